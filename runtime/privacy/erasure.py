"""Erasure: destroy a person's key, record `person.erased` in the roles store, forget read-model rows.

See runtime/privacy/vault.py. Events are immutable and keep their ciphertext: unreadable forever.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Iterable

from psycopg.types.json import Jsonb

import contracts
from runtime import eventstore
from runtime.errors import PersonErased
from runtime.eventstore import ANY_VERSION, NewEvent, RecordedEvent
from runtime.privacy.sealing import mask_subject
from runtime.privacy.vault import VaultSession

log = logging.getLogger(__name__)

ERASED = "person.erased"
PERSON_CATEGORY = "person"
OWNER = contracts.contract(ERASED, 1).source_service  # the service whose store records erasures (roles)


class StoreOn:
    """`append` and `read_stream` on a plain connection (the CLI), as a worker's `UnitOfWork` offers them."""

    def __init__(self, conn, metadata):
        self.conn, self.metadata = conn, metadata

    def append(self, stream: str, events, expected_version):
        return eventstore.append(self.conn, stream, events, expected_version, self.metadata)

    def read_stream(self, stream: str):
        return eventstore.read_stream(self.conn, stream)


@dataclasses.dataclass
class Erasure:
    subject: str
    keys_destroyed: bool
    recorded: bool  # False when the erasure had been recorded before (a repeated request)
    events: list[RecordedEvent]


def erase_person(store, session: VaultSession, subject: str, basis: str, erased_by: str) -> Erasure:
    """Destroy the person's key, then record `person.erased` (once) in `store` (a `UnitOfWork`, or
    anything with `append` and `read_stream`). The key goes first: if recording fails, the data is
    already unreadable, and repeating the request records it."""
    keys_destroyed = session.erase(subject, erased_by)
    stream = f"{PERSON_CATEGORY}-{subject}"
    if any(e.type == ERASED for e in store.read_stream(stream)):
        return Erasure(subject, keys_destroyed, False, [])
    events = store.append(stream, [NewEvent(ERASED, {"basis": basis, "keys_destroyed": keys_destroyed})],
                          ANY_VERSION)
    log.info("person erased", extra={"subject": subject, "keys_destroyed": keys_destroyed})
    return Erasure(subject, keys_destroyed, True, events)


def erased_subject(event) -> str | None:
    """The person id if `event` (a `RecordedEvent` or an envelope) is a `person.erased`, else None."""
    event_type = event.type if isinstance(event, RecordedEvent) else event.get("type")
    stream = event.stream if isinstance(event, RecordedEvent) else event.get("stream", "")
    if event_type != ERASED:
        return None
    return stream.split("-", 1)[1]


def forget(conn, subject: str, *, delete: Iterable[tuple[str, str]] = (),
           mask: Iterable[tuple[str, str, str]] = ()) -> dict[str, int]:
    """Forget a person in a service's read models, as its projection's answer to `person.erased`:
    `delete` = (table, person-id column): rows about the person go; `mask` = (table, key column,
    column): sealed values of the person inside other rows (e.g. a leader named in a description)
    become the mask. Returns the rows touched per table. Identifiers come from code, never input."""
    from psycopg import sql

    touched: dict[str, int] = {}
    for table, column in delete:
        result = conn.execute(sql.SQL("DELETE FROM {} WHERE {}::text = %s").format(
            sql.Identifier(table), sql.Identifier(column)), (subject,))
        touched[table] = touched.get(table, 0) + result.rowcount
    marker = f"%:{subject}:%"
    for table, key, column in mask:
        rows = conn.execute(sql.SQL("SELECT {key} AS key, {col} AS value FROM {t} WHERE {col}::text LIKE %s FOR UPDATE")
                            .format(key=sql.Identifier(key), col=sql.Identifier(column), t=sql.Identifier(table)),
                            (marker,)).fetchall()
        for row in rows:
            masked = mask_subject(row["value"], subject)
            if masked == row["value"]:
                continue
            conn.execute(sql.SQL("UPDATE {t} SET {col} = %s WHERE {key} = %s").format(
                t=sql.Identifier(table), col=sql.Identifier(column), key=sql.Identifier(key)),
                (masked if isinstance(masked, str) else Jsonb(masked), row["key"]))
            touched[table] = touched.get(table, 0) + 1
    return touched


def refuse_commands_on_erased(session: VaultSession, stream: str, person_streams: dict[str, str]) -> None:
    """A stream that *is* a person (its category a key of `person_streams`, whose value is the field that
    names them) takes no new event once that person was erased: 410, so no command (even one carrying no
    personal field, which the sealing would have refused) brings back a row about them."""
    category, _, entity_id = stream.partition("-")
    if category in person_streams and session.keystore.is_erased(entity_id):
        raise PersonErased(person_streams[category])
