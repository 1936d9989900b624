"""The courses service's read models, written in the same transaction as the events they follow.

`project` is the only writer: live appends and rebuilds both go through it, so a rebuild gives the
same rows as the live run (times come from the events, never from the clock; orderings from the
events' global positions). Personal values are stored as the events hold them (sealed, once the
vault lands) and revealed only when read through the API.
"""
from __future__ import annotations

import json
from datetime import datetime

from runtime.privacy import erasure
from runtime.eventstore import RecordedEvent
from services.courses.domain.published import local_date

READ_MODEL_TABLES = (
    "local_methods", "citizens", "group_courses", "group_course_facilitators", "group_sessions",
    "group_participants", "group_attendance", "group_feedback", "who5_measurements", "support_courses",
    "support_matches", "support_goals", "support_sessions", "peer_time", "catalogue_module_versions",
    "catalogue_modules", "course_competence_modules", "competence_completions",
)

# Where persons' data sits in these read models, so that an erasure forgets it (runtime/privacy/erasure.py, `forget`):
# rows about the person are deleted; their sealed values inside rows kept for others (a course's
# sessions count as a peer's hours) are masked.
PERSON_ROWS = (("citizens", "id"), ("who5_measurements", "person_id"), ("support_goals", "citizen_id"),
               ("competence_completions", "person_id"))
PERSON_VALUES = (("group_feedback", "id", "text"), ("support_sessions", "id", "note"),
                 ("support_courses", "id", "evaluation"), ("support_matches", "course_id", "end_reason"))

_HANDLERS = {}


def handles(event_type: str):
    def register(fn):
        _HANDLERS[event_type] = fn
        return fn
    return register


def project(conn, event: RecordedEvent) -> None:
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        handler(conn, event, event.stream.split("-", 1)[1], event.payload)


def _json(value) -> str:
    return json.dumps(value, sort_keys=True)


def _touch(conn, table: str, entity_id: str, event: RecordedEvent) -> None:
    conn.execute(f"UPDATE {table} SET version = %s, updated_at = %s WHERE id = %s",
                 (event.stream_version, event.occurred_at, entity_id))


@handles("forgotten_person.recorded")
def _forgotten(conn, event, person_id, p):
    erasure.forget(conn, person_id, delete=PERSON_ROWS, mask=PERSON_VALUES)


# -- methods and citizens -----------------------------------------------------------------------------
@handles("method.added")
def _method_added(conn, event, method_id, p):
    conn.execute("INSERT INTO local_methods (id, name, description, added_at) VALUES (%s, %s, %s, %s)",
                 (method_id, p["name"], p.get("description", ""), event.occurred_at))


@handles("citizen.registered")
def _citizen_registered(conn, event, citizen_id, p):
    conn.execute(
        "INSERT INTO citizens (id, name, phone, email, version, registered_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (citizen_id, p["name"], p.get("phone"), p.get("email"), event.stream_version, event.occurred_at,
         event.occurred_at))


@handles("citizen.contact_changed")
def _citizen_contact_changed(conn, event, citizen_id, p):
    for column in ("phone", "email"):
        if column in p:
            conn.execute(f"UPDATE citizens SET {column} = %s WHERE id = %s", (p[column], citizen_id))
    _touch(conn, "citizens", citizen_id, event)


# -- group courses ------------------------------------------------------------------------------------
@handles("group_course.planned")
def _planned(conn, event, course_id, p):
    conn.execute(
        "INSERT INTO group_courses (id, kind, title, description, method_ids, capacity, completion_rule, status, "
        "version, planned_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 'planned', %s, %s, %s)",
        (course_id, p["kind"], p["title"], p.get("description", ""), _json(p["method_ids"]), p["capacity"],
         _json(p["completion_rule"]), event.stream_version, event.occurred_at, event.occurred_at))


def _course_event(fn):
    """Every group course event moves the course's version, whatever else it changes."""
    def wrapped(conn, event, course_id, p):
        fn(conn, event, course_id, p)
        _touch(conn, "group_courses", course_id, event)
    return wrapped


@handles("group_course.capacity_changed")
@_course_event
def _capacity_changed(conn, event, course_id, p):
    conn.execute("UPDATE group_courses SET capacity = %s WHERE id = %s", (p["capacity"], course_id))


@handles("group_course.facilitator_added")
@_course_event
def _facilitator_added(conn, event, course_id, p):
    conn.execute("INSERT INTO group_course_facilitators (course_id, peer_id, position) VALUES (%s, %s, %s)",
                 (course_id, p["peer_id"], event.stream_version))


@handles("group_course.facilitator_removed")
@_course_event
def _facilitator_removed(conn, event, course_id, p):
    conn.execute("DELETE FROM group_course_facilitators WHERE course_id = %s AND peer_id = %s",
                 (course_id, p["peer_id"]))


@handles("group_course.session_scheduled")
@_course_event
def _session_scheduled(conn, event, course_id, p):
    conn.execute(
        "INSERT INTO group_sessions (id, course_id, title, starts_at, ends_at, place, programme, exercises, "
        "facilitator_peer_ids, status, sequence, created_at, changed_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'scheduled', 0, %s, %s)",
        (p["session_id"], course_id, p["title"], p["starts_at"], p["ends_at"], p["place"], p.get("programme", ""),
         _json(p.get("exercises", [])), _json(p.get("facilitator_peer_ids", [])), event.occurred_at,
         event.occurred_at))


@handles("group_course.session_rescheduled")
@_course_event
def _session_rescheduled(conn, event, course_id, p):
    conn.execute("UPDATE group_sessions SET starts_at = %s, ends_at = %s, place = %s, sequence = sequence + 1, "
                 "changed_at = %s WHERE id = %s",
                 (p["starts_at"], p["ends_at"], p["place"], event.occurred_at, p["session_id"]))


@handles("group_course.session_programme_set")
@_course_event
def _session_programme_set(conn, event, course_id, p):
    conn.execute("UPDATE group_sessions SET programme = %s, exercises = %s, changed_at = %s WHERE id = %s",
                 (p["programme"], _json(p["exercises"]), event.occurred_at, p["session_id"]))


@handles("group_course.session_cancelled")
@_course_event
def _session_cancelled(conn, event, course_id, p):
    conn.execute("UPDATE group_sessions SET status = 'cancelled', sequence = sequence + 1, changed_at = %s "
                 "WHERE id = %s", (event.occurred_at, p["session_id"]))


@handles("group_course.session_held")
@_course_event
def _session_held(conn, event, course_id, p):
    conn.execute("UPDATE group_sessions SET status = 'held', held_at = %s, changed_at = %s WHERE id = %s",
                 (p["held_at"], event.occurred_at, p["session_id"]))
    conn.execute("UPDATE group_courses SET status = 'running' WHERE id = %s AND status = 'planned'", (course_id,))
    day = local_date(datetime.fromisoformat(p["held_at"]))
    for f in p["facilitations"]:
        conn.execute(
            "INSERT INTO peer_time (source_key, peer_id, kind, course_type, course_id, day, minutes) "
            "VALUES (%s, %s, 'group_facilitation', 'group_course', %s, %s, %s)",
            (f"facilitation/{p['session_id']}/{f['peer_id']}", f["peer_id"], course_id, day, f["minutes"]))


def _insert_participant(conn, event, course_id, p, status):
    conn.execute(
        "INSERT INTO group_participants (id, course_id, participant_type, citizen_id, peer_id, status, listed_at, "
        "listed_position, enrolled_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (p["participant_id"], course_id, p["participant_type"], p.get("citizen_id"), p.get("peer_id"), status,
         event.occurred_at, event.global_position, event.occurred_at if status == "enrolled" else None,
         event.occurred_at))


@handles("group_course.participant_enrolled")
@_course_event
def _participant_enrolled(conn, event, course_id, p):
    _insert_participant(conn, event, course_id, p, "enrolled")


@handles("group_course.participant_waitlisted")
@_course_event
def _participant_waitlisted(conn, event, course_id, p):
    _insert_participant(conn, event, course_id, p, "waitlisted")


@handles("group_course.participant_promoted")
@_course_event
def _participant_promoted(conn, event, course_id, p):
    conn.execute("UPDATE group_participants SET status = 'enrolled', enrolled_at = %s, updated_at = %s "
                 "WHERE id = %s", (event.occurred_at, event.occurred_at, p["participant_id"]))


@handles("group_course.participant_withdrew")
@_course_event
def _participant_withdrew(conn, event, course_id, p):
    conn.execute("UPDATE group_participants SET status = 'withdrawn', updated_at = %s WHERE id = %s",
                 (event.occurred_at, p["participant_id"]))


@handles("group_course.attendance_recorded")
@_course_event
def _attendance_recorded(conn, event, course_id, p):
    conn.execute(
        "INSERT INTO group_attendance (session_id, participant_id, course_id, status, minutes_late, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (session_id, participant_id) DO UPDATE SET "
        "status = EXCLUDED.status, minutes_late = EXCLUDED.minutes_late, recorded_at = EXCLUDED.recorded_at",
        (p["session_id"], p["participant_id"], course_id, p["status"], p.get("minutes_late", 0), event.occurred_at))
    _participation_time(conn, course_id, p)


def _participation_time(conn, course_id, p) -> None:
    """A peer's own attendance as a participant (e.g. in the peer education) is time too."""
    row = conn.execute(
        "SELECT gp.peer_id, gs.held_at, gs.starts_at, gs.ends_at FROM group_participants gp "
        "JOIN group_sessions gs ON gs.id = %s WHERE gp.id = %s AND gp.peer_id IS NOT NULL",
        (p["session_id"], p["participant_id"])).fetchone()
    if row is None:
        return
    key = f"participation/{p['session_id']}/{p['participant_id']}"
    minutes = int((row["ends_at"] - row["starts_at"]).total_seconds() // 60) - p.get("minutes_late", 0)
    if p["status"] not in ("present", "late") or minutes <= 0:
        conn.execute("DELETE FROM peer_time WHERE source_key = %s", (key,))
        return
    conn.execute(
        "INSERT INTO peer_time (source_key, peer_id, kind, course_type, course_id, day, minutes) "
        "VALUES (%s, %s, 'participation', 'group_course', %s, %s, %s) "
        "ON CONFLICT (source_key) DO UPDATE SET minutes = EXCLUDED.minutes",
        (key, row["peer_id"], course_id, local_date(row["held_at"]), minutes))


@handles("group_course.feedback_given")
@_course_event
def _feedback_given(conn, event, course_id, p):
    conn.execute(
        "INSERT INTO group_feedback (id, course_id, participant_id, person_id, session_id, interviewed_by, rating, "
        "text, given_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (p["feedback_id"], course_id, p["participant_id"], p["person_id"], p.get("session_id"),
         p["interviewed_by"], p.get("rating"), p["text"], event.occurred_at))


def _who5(conn, event, course_type, course_id, respondent_id, person_id, p):
    conn.execute(
        "INSERT INTO who5_measurements (course_id, respondent_id, timing, course_type, person_id, items, raw_score, "
        "score, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (course_id, respondent_id, timing) DO UPDATE SET items = EXCLUDED.items, "
        "raw_score = EXCLUDED.raw_score, score = EXCLUDED.score, recorded_at = EXCLUDED.recorded_at",
        (course_id, respondent_id, p["timing"], course_type, person_id, _json(p["items"]), p["raw_score"],
         p["score"], event.occurred_at))


@handles("group_course.who5_recorded")
@_course_event
def _group_who5(conn, event, course_id, p):
    _who5(conn, event, "group_course", course_id, p["participant_id"], p["person_id"], p)


@handles("group_course.closed")
@_course_event
def _closed(conn, event, course_id, p):
    conn.execute("UPDATE group_courses SET status = 'closed' WHERE id = %s", (course_id,))
    conn.execute("UPDATE group_participants SET completed = (id = ANY(%s::uuid[])) WHERE course_id = %s",
                 (p["completed_participant_ids"], course_id))


@handles("group_course.cancelled")
@_course_event
def _cancelled(conn, event, course_id, p):
    conn.execute("UPDATE group_courses SET status = 'cancelled' WHERE id = %s", (course_id,))


# -- individual support courses -----------------------------------------------------------------------
def _support_event(fn):
    def wrapped(conn, event, course_id, p):
        fn(conn, event, course_id, p)
        _touch(conn, "support_courses", course_id, event)
    return wrapped


@handles("support_course.opened")
def _support_opened(conn, event, course_id, p):
    conn.execute(
        "INSERT INTO support_courses (id, citizen_id, method_ids, status, opened_at, version, updated_at) "
        "VALUES (%s, %s, %s, 'open', %s, %s, %s)",
        (course_id, p["citizen_id"], _json(p.get("method_ids", [])), event.occurred_at, event.stream_version,
         event.occurred_at))


def _match(conn, event, course_id, peer_id) -> None:
    conn.execute("UPDATE support_courses SET peer_id = %s WHERE id = %s", (peer_id, course_id))
    conn.execute("INSERT INTO support_matches (course_id, peer_id, matched_at) VALUES (%s, %s, %s)",
                 (course_id, peer_id, event.occurred_at))


@handles("support_course.peer_matched")
@_support_event
def _peer_matched(conn, event, course_id, p):
    _match(conn, event, course_id, p["peer_id"])


@handles("support_course.match_replaced")
@_support_event
def _match_replaced(conn, event, course_id, p):
    conn.execute("UPDATE support_matches SET ended_at = %s, end_reason = %s "
                 "WHERE course_id = %s AND peer_id = %s AND ended_at IS NULL",
                 (event.occurred_at, p.get("reason", ""), course_id, p["previous_peer_id"]))
    _match(conn, event, course_id, p["peer_id"])


@handles("support_course.goal_set")
@_support_event
def _goal_set(conn, event, course_id, p):
    conn.execute("INSERT INTO support_goals (id, course_id, citizen_id, text, status, set_at, updated_at) "
                 "VALUES (%s, %s, %s, %s, 'active', %s, %s)",
                 (p["goal_id"], course_id, p["citizen_id"], p["text"], event.occurred_at, event.occurred_at))


@handles("support_course.goal_status_changed")
@_support_event
def _goal_status_changed(conn, event, course_id, p):
    conn.execute("UPDATE support_goals SET status = %s, updated_at = %s WHERE id = %s",
                 (p["status"], event.occurred_at, p["goal_id"]))


@handles("support_course.session_held")
@_support_event
def _support_session_held(conn, event, course_id, p):
    conn.execute(
        "INSERT INTO support_sessions (id, course_id, citizen_id, peer_id, kind, held_at, duration_minutes, note) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (p["session_id"], course_id, p["citizen_id"], p["peer_id"], p["kind"], p["held_at"],
         p["duration_minutes"], p.get("note", "")))
    conn.execute(
        "INSERT INTO peer_time (source_key, peer_id, kind, course_type, course_id, day, minutes) "
        "VALUES (%s, %s, 'individual_session', 'support_course', %s, %s, %s)",
        (f"support/{p['session_id']}", p["peer_id"], course_id,
         local_date(datetime.fromisoformat(p["held_at"])), p["duration_minutes"]))


@handles("support_course.session_withdrawn")
@_support_event
def _support_session_withdrawn(conn, event, course_id, p):
    conn.execute("UPDATE support_sessions SET withdrawn_reason = %s WHERE id = %s", (p["reason"], p["session_id"]))
    conn.execute("DELETE FROM peer_time WHERE source_key = %s", (f"support/{p['session_id']}",))


@handles("support_course.who5_recorded")
@_support_event
def _support_who5(conn, event, course_id, p):
    _who5(conn, event, "support_course", course_id, course_id, p["citizen_id"], p)


@handles("support_course.closed")
@_support_event
def _support_closed(conn, event, course_id, p):
    conn.execute("UPDATE support_courses SET status = 'closed', close_reason = %s, evaluation = %s, closed_at = %s "
                 "WHERE id = %s", (p["reason"], p["evaluation"], event.occurred_at, course_id))


# -- the competence catalogue, course mappings and completions ------------------------------------------
@handles("catalogue_module.received")
def _module_received(conn, event, module_id, p):
    conn.execute(
        "INSERT INTO catalogue_module_versions (module_id, module_version, title, description, learning_goals, kind, "
        "hours, received_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (module_id, p["module_version"], p["title"], p["description"], _json(p["learning_goals"]), p["kind"],
         p["hours"], event.occurred_at))
    conn.execute("INSERT INTO catalogue_modules (module_id, current_version) VALUES (%s, %s) ON CONFLICT (module_id) "
                 "DO UPDATE SET current_version = GREATEST(catalogue_modules.current_version, EXCLUDED.current_version)",
                 (module_id, p["module_version"]))


@handles("catalogue_module.retired")
def _module_retired(conn, event, module_id, p):
    conn.execute("UPDATE catalogue_modules SET retired_at = %s WHERE module_id = %s", (event.occurred_at, module_id))


@handles("course_competence.mapped")
def _course_mapped(conn, event, course_id, p):
    conn.execute("DELETE FROM course_competence_modules WHERE course_id = %s", (course_id,))
    for module_id in p["module_ids"]:
        conn.execute("INSERT INTO course_competence_modules (course_id, module_id) VALUES (%s, %s)",
                     (course_id, module_id))


def _completion(conn, event, p, course_id, issuer_instance, source):
    conn.execute(
        "INSERT INTO competence_completions (completion_id, person_id, module_id, module_version, title, kind, hours, "
        "completed_on, course_id, issuer_instance, source, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (p["completion_id"], p["person_id"], p["module_id"], p["module_version"], p["title"], p["kind"], p["hours"],
         p["completed_on"], course_id, issuer_instance, source, event.occurred_at))


@handles("competence.completed")
def _competence_completed(conn, event, completion_id, p):
    _completion(conn, event, p, p["course_id"], event.metadata["instance_id"], "course")


@handles("competence.imported")
def _competence_imported(conn, event, completion_id, p):
    _completion(conn, event, p, None, p["issuer_instance"], "credential")
