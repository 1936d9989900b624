"""The national service's read model: `picture_cells`, written in the same transaction as the received
fact is stored, and rebuilt from the stored facts by `peer-admin rebuild national` (same rows: each
fact adds the same amounts, whatever the order; a fact that replaces an earlier report of its stream,
facts.replaces, takes that report's amounts back, and each stream is replayed in its order).

The report that counts, per stream and key of a kind counted `latest_of`, is kept with the increments it
added in `latest_reports`: a later report reads that one row, never its stream, so projecting (and
rebuilding) N facts reads O(N) rows, not O(N²) (tests/national/test_latest_reports.py)."""
from __future__ import annotations

from datetime import date

from psycopg.types.json import Jsonb

from runtime.eventstore import RecordedEvent
from services.national import facts

READ_MODEL_TABLES = ("picture_cells", "national_events", "national_event_registrations", "competence_module_versions",
                     "competence_modules", "competence_cells", "latest_reports")


def project(conn, event: RecordedEvent) -> None:
    if event.type.startswith("national_event."):
        _project_national_event(conn, event)
        return
    if event.type.startswith("competence_module."):
        _project_competence_module(conn, event)
        return
    instance_id = event.metadata["instance_id"]
    if event.type == "competence.completion_reported":
        p = event.payload
        conn.execute(
            "INSERT INTO competence_cells (module_id, instance_id, period, value) VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (module_id, instance_id, period) DO UPDATE SET value = competence_cells.value + 1",
            (p["module_id"], instance_id, facts.month_of(date.fromisoformat(p["completed_on"]))))
    for measure, period, amount in facts.increments(event, taken_back=_replace_latest(conn, event)):
        if amount < 0:  # a report replaced: its cell exists (a proposed negative row would break the check)
            conn.execute("UPDATE picture_cells SET value = value + %s WHERE measure = %s AND instance_id = %s "
                         "AND period = %s", (amount, measure, instance_id, period))
            conn.execute("DELETE FROM picture_cells WHERE measure = %s AND instance_id = %s AND period = %s "
                         "AND value = 0", (measure, instance_id, period))  # a cell it alone filled: no count
            continue
        conn.execute(
            "INSERT INTO picture_cells (measure, instance_id, period, value) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (measure, instance_id, period) DO UPDATE SET value = picture_cells.value + EXCLUDED.value",
            (measure, instance_id, period, amount))


def _replace_latest(conn, event: RecordedEvent) -> list:
    """For a kind counted `latest_of`: the increments of the report `event` replaces (none if it is the first
    of its key, or not later than the one that counts), and `event` becomes the report that counts."""
    key = facts.report_key(event)
    if key is None:
        return []
    row = conn.execute("SELECT stream_version, increments FROM latest_reports WHERE stream_name = %s "
                       "AND event_type = %s AND report_key = %s FOR UPDATE", (event.stream, event.type, key)).fetchone()
    if row is not None and row["stream_version"] >= event.stream_version:
        return facts.counted(event)  # the inbox orders each stream; an earlier report after a later one: nothing
    own = Jsonb([[m, p.isoformat(), a] for m, p, a in facts.counted(event)])
    conn.execute("INSERT INTO latest_reports (stream_name, event_type, report_key, stream_version, increments) "
                 "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (stream_name, event_type, report_key) DO UPDATE SET "
                 "stream_version = EXCLUDED.stream_version, increments = EXCLUDED.increments",
                 (event.stream, event.type, key, event.stream_version, own))
    return [] if row is None else [(m, date.fromisoformat(p), a) for m, p, a in row["increments"]]


def _project_national_event(conn, event: RecordedEvent) -> None:
    p, event_id = event.payload, event.stream.split("-", 1)[1]
    if event.type == "national_event.created":
        conn.execute(
            "INSERT INTO national_events (id, title, starts_at, ends_at, place, capacity, themes, programme, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (event_id, p["title"], p["starts_at"], p["ends_at"], p["place"], p["capacity"], Jsonb(p["themes"]),
             Jsonb(p["programme"]), event.occurred_at))
    elif event.type == "national_event.registration_received":
        conn.execute(
            "INSERT INTO national_event_registrations (registration_id, national_event_id, region, peer_kind, status, "
            "received) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (registration_id) DO UPDATE SET "
            "status = EXCLUDED.status, attended = false, received = EXCLUDED.received",
            (p["registration_id"], event_id, p["region"], p["peer_kind"], p["status"], event.stream_version))
    elif event.type in ("national_event.registration_promoted", "national_event.registration_cancelled"):
        status = "accepted" if event.type.endswith("promoted") else "cancelled"
        conn.execute("UPDATE national_event_registrations SET status = %s WHERE registration_id = %s",
                     (status, p["registration_id"]))
    elif event.type == "national_event.attendance_recorded":
        conn.execute("UPDATE national_event_registrations SET attended = true WHERE registration_id = %s",
                     (p["registration_id"],))


def _project_competence_module(conn, event: RecordedEvent) -> None:
    p = event.payload
    if event.type == "competence_module.published":
        conn.execute("INSERT INTO competence_modules (module_id) VALUES (%s) ON CONFLICT DO NOTHING", (p["module_id"],))
        conn.execute(
            "INSERT INTO competence_module_versions (module_id, module_version, title, description, learning_goals, "
            "kind, hours, published_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (p["module_id"], p["module_version"], p["title"], p["description"], Jsonb(p["learning_goals"]),
             p["kind"], p["hours"], event.occurred_at))
    elif event.type == "competence_module.retired":
        conn.execute("UPDATE competence_modules SET retired_at = %s WHERE module_id = %s",
                     (event.occurred_at, p["module_id"]))
