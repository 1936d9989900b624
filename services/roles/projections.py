"""The roles service's read models, written in the same transaction as the events they follow.

`project` is the only writer: live appends and rebuilds both go through it, so a rebuild gives the
same rows as the live run (timestamps come from the events, never from the clock).
"""
from __future__ import annotations

import json
from dataclasses import asdict, fields

from psycopg import sql
from psycopg.types.json import Jsonb

from runtime.privacy import erasure
from runtime.eventstore import RecordedEvent
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


def project(conn, event: RecordedEvent) -> None:
    """Apply one event as stored: personal values stay sealed in the rows (opened when read)."""
    if subject := erasure.erased_subject(event):
        _count_erased_peer(conn, subject)
        erasure.forget(conn, subject, delete=PERSON_ROWS, mask=PERSON_VALUES)
        _anonymise_agreements(conn, subject)
        return
    category = event.stream.split("-", 1)[0]
    if category in _PROJECTIONS:
        _PROJECTIONS[category](conn, event)
        return
    if category != CATEGORY:
        return
    description_id = event.stream.split("-", 1)[1]
    row = conn.execute("SELECT * FROM function_descriptions WHERE id = %s", (description_id,)).fetchone()
    description = FunctionDescription(id=description_id)
    if row:
        description = FunctionDescription(
            id=row["id"], version=row["version"], template_id=row["template_id"],
            template_version=row["template_version"], workplace=row["workplace"], title=row["title"],
            local_fields=row["local_fields"], support_mode=row["support_mode"], revision=row["revision"],
            status=row["status"])
    description.apply(event.type, event.payload)
    conn.execute(
        """
        INSERT INTO function_descriptions (id, workplace, title, template_id, template_version, status,
                                           support_mode, revision, local_fields, version, updated_at)
        VALUES (%(id)s, %(workplace)s, %(title)s, %(template_id)s, %(template_version)s, %(status)s,
                %(support_mode)s, %(revision)s, %(local_fields)s, %(version)s, %(updated_at)s)
        ON CONFLICT (id) DO UPDATE SET workplace = EXCLUDED.workplace, title = EXCLUDED.title,
            status = EXCLUDED.status, support_mode = EXCLUDED.support_mode, revision = EXCLUDED.revision,
            local_fields = EXCLUDED.local_fields, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
        """,
        {"id": description_id, "workplace": description.workplace, "title": description.title,
         "template_id": description.template_id, "template_version": description.template_version,
         "status": description.status, "support_mode": description.support_mode,
         "revision": description.revision, "local_fields": json.dumps(description.local_fields, sort_keys=True),
         "version": event.stream_version, "updated_at": event.occurred_at},
    )


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


def _upsert(conn, table: str, row: dict) -> None:
    columns = list(row)
    values = [Jsonb(v) if isinstance(v, (dict, list)) else v for v in row.values()]
    conn.execute(
        sql.SQL("INSERT INTO {t} ({cols}) VALUES ({vals}) ON CONFLICT (id) DO UPDATE SET {sets}").format(
            t=sql.Identifier(table), cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
            vals=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            sets=sql.SQL(", ").join(sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in columns[1:])),
        values)


def _fold(conn, table: str, aggregate, event: RecordedEvent) -> None:
    entity_id = event.stream.split("-", 1)[1]
    row = conn.execute(sql.SQL("SELECT * FROM {} WHERE id = %s").format(sql.Identifier(table)),
                       (entity_id,)).fetchone()
    if row:
        row = {k: (str(v) if k in _AS_TEXT and v is not None else v) for k, v in row.items()}
    # The row is the aggregate's state (sealed values stay sealed): the projection folds one event onto it.
    state = aggregate(**{f.name: row[f.name] for f in fields(aggregate)}) if row else aggregate(entity_id)
    state.apply(event.type, event.payload)
    state.version = event.stream_version
    _upsert(conn, table, {**asdict(state), "updated_at": event.occurred_at})


def _project_peer(conn, event: RecordedEvent) -> None:
    _fold(conn, "peers", Peer, event)


def _project_agreement(conn, event: RecordedEvent) -> None:
    _fold(conn, "volunteer_agreements", VolunteerAgreement, event)


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
_PROJECTIONS = {"peer": _project_peer, "volunteer_agreement": _project_agreement, "volunteer": _project_volunteer,
                "contact": _project_contact}
