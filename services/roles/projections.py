"""The roles service's read models, written in the same transaction as the events they follow.

`project` is the only writer: live appends and rebuilds both go through it, so a rebuild gives the
same rows as the live run (timestamps come from the events, never from the clock).
"""
from __future__ import annotations

import json
from dataclasses import asdict, fields

from psycopg import sql

from runtime.privacy import erasure
from runtime.eventstore import RecordedEvent
from runtime.eventstore.projection import Fold, FoldedPages
from services.roles.domain import CATEGORY, FunctionDescription
from services.roles.domain.peer import Peer
from services.roles.domain.volunteer_agreement import VolunteerAgreement

READ_MODEL_TABLES = ("function_descriptions", "peers", "volunteer_agreements", "volunteer_activities",
                     "peer_educations", "erased_peer_counts", "statement_eligibility_reached", "person_contacts")

# Where persons' data sits in these read models, so that `person.erased` forgets it (runtime/privacy/erasure.py, `forget`):
# rows about a person are deleted; sealed values of a person inside other rows are masked.
# A volunteer agreement is not deleted: it is also a fact the statistics count (`_anonymise_agreements`).
PERSON_ROWS: tuple[tuple[str, str], ...] = (("peers", "id"), ("volunteer_activities", "peer_id"),
                                             ("peer_educations", "peer_id"),
                                             ("statement_eligibility_reached", "volunteer_id"),
                                             ("person_contacts", "person_id"))
PERSON_VALUES = (("function_descriptions", "id", "local_fields"), ("volunteer_agreements", "id", "details"))


def _project_one(conn, event: RecordedEvent) -> None:
    """An event of no fold (what courses reported, contacts, erasures): applied as it comes."""
    if subject := erasure.erased_subject(event):
        _count_erased_peer(conn, subject)
        erasure.forget(conn, subject, delete=PERSON_ROWS, mask=PERSON_VALUES)
        _anonymise_agreements(conn, subject)
        return
    category = event.stream.split("-", 1)[0]
    if category in _PROJECTIONS:
        _PROJECTIONS[category](conn, event)


def _description_from_row(row: dict) -> FunctionDescription:
    return FunctionDescription(
        id=str(row["id"]), version=row["version"], template_id=row["template_id"],
        template_version=row["template_version"], workplace=row["workplace"], title=row["title"],
        local_fields=row["local_fields"], support_mode=row["support_mode"], revision=row["revision"],
        status=row["status"])


def _description_row(description: FunctionDescription, event: RecordedEvent) -> dict:
    return {"id": description.id, "workplace": description.workplace, "title": description.title,
            "template_id": description.template_id, "template_version": description.template_version,
            "status": description.status, "support_mode": description.support_mode,
            "revision": description.revision, "local_fields": json.dumps(description.local_fields, sort_keys=True),
            "version": event.stream_version, "updated_at": event.occurred_at}


def _apply(state, event: RecordedEvent) -> None:
    state.apply(event.type, event.payload)
    state.version = event.stream_version


def _aggregate_fold(table: str, aggregate) -> Fold:
    """The row is the aggregate's state (sealed values stay sealed): the projection folds events onto it."""
    def load(row: dict):
        row = {k: (str(v) if k in _AS_TEXT and v is not None else v) for k, v in row.items()}
        return aggregate(**{f.name: row[f.name] for f in fields(aggregate)})

    return Fold(table, load=load, new=aggregate, apply=_apply,
                dump=lambda state, event: {**asdict(state), "updated_at": event.occurred_at})


# Function descriptions, peers and agreements are folds of their streams: a rebuild folds a page of events
# in memory and writes each row once per page; the live path is the same code with a page of one event.
project_page = FoldedPages(
    {CATEGORY: Fold("function_descriptions", load=_description_from_row, new=FunctionDescription, apply=_apply,
                    dump=_description_row, keep=("template_id", "template_version")),
     "peer": _aggregate_fold("peers", Peer),
     "volunteer_agreement": _aggregate_fold("volunteer_agreements", VolunteerAgreement)},
    _project_one, independent=("volunteer", "contact", "peer_kind", "agreement_term"))  # the last two: national streams, no read model


def project(conn, event: RecordedEvent) -> None:
    """Apply one event as stored: personal values stay sealed in the rows (opened when read)."""
    project_page(conn, (event,))


def _count_erased_peer(conn, subject: str) -> None:
    """The peer goes, the count of peers of their kind stays (GET /statistics)."""
    conn.execute("INSERT INTO erased_peer_counts (kind, erased) SELECT kind, 1 FROM peers WHERE id::text = %s "
                 "ON CONFLICT (kind) DO UPDATE SET erased = erased_peer_counts.erased + 1", (subject,))


def _anonymise_agreements(conn, subject: str) -> None:
    """The agreements of an erased person keep their facts (status, dates, pauses, renewals) and lose
    the person: their id, as volunteer or coordinator, and whom they signed as."""
    for column, party in (("volunteer_id", "volunteer"), ("coordinator_id", "coordinator")):
        conn.execute(sql.SQL(
            "UPDATE volunteer_agreements SET {col} = NULL, signatures = CASE WHEN signatures ? %s "
            "THEN jsonb_set(signatures, ARRAY[%s, 'signed_by'], 'null') ELSE signatures END "
            "WHERE {col}::text = %s").format(col=sql.Identifier(column)), (party, party, subject))


def _project_volunteer(conn, event: RecordedEvent) -> None:
    """What the courses service reported, as roles recorded it in its own `volunteer-<peer id>` stream."""
    peer_id, payload = event.stream.split("-", 1)[1], event.payload
    if event.type == "volunteer.activity_counted":
        conn.execute("INSERT INTO volunteer_activities (activity_id, peer_id, kind, held_at, minutes) "
                     "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (activity_id) DO NOTHING",
                     (payload["activity_id"], peer_id, payload["kind"], payload["held_at"],
                      payload.get("duration_minutes")))
    elif event.type == "volunteer.activity_withdrawn":
        conn.execute("UPDATE volunteer_activities SET withdrawn = true WHERE activity_id = %s",
                     (payload["activity_id"],))
    elif event.type == "volunteer.peer_education_completed":
        conn.execute("INSERT INTO peer_educations (peer_id, course_id, completed_on) VALUES (%s, %s, %s) "
                     "ON CONFLICT (peer_id) DO NOTHING", (peer_id, payload["course_id"], payload["completed_on"]))
    elif event.type == "volunteer.statement_eligibility_reached":
        conn.execute("INSERT INTO statement_eligibility_reached (agreement_id, volunteer_id, reached_on) "
                     "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", (payload["agreement_id"], peer_id,
                                                                    payload["reached_on"]))


def _project_contact(conn, event: RecordedEvent) -> None:
    """The address stays sealed in the row (opened by `roles.email_of` when a message is sent)."""
    conn.execute("INSERT INTO person_contacts (person_id, email, version, updated_at) VALUES (%s, %s, %s, %s) "
                 "ON CONFLICT (person_id) DO UPDATE SET email = EXCLUDED.email, version = EXCLUDED.version, "
                 "updated_at = EXCLUDED.updated_at", (event.stream.split("-", 1)[1], event.payload["email"],
                                                      event.stream_version, event.occurred_at))


_AS_TEXT = ("id", "leader_id", "mentor_id", "function_description_id", "volunteer_id", "coordinator_id",
            "active_from", "term_ends_on", "statement_issued_on", "renewal_raised_for")
_PROJECTIONS = {"volunteer": _project_volunteer, "contact": _project_contact}
