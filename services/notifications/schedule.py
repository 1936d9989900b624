"""Reminders as rows, written in the transaction of the event that schedules, moves or drops them;
fired by the sender loop when due (also when they fell due while the service was down), each once.

A reminder's `cause` names what it reminds of as it is now (a session at its current sequence, an
agreement term, an evaluation month): its messages' ids derive from the cause, so a reminder that was
moved reminds again, and one that fired is never sent twice.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from psycopg.types.json import Jsonb

from services.notifications import ledger, projections
from services.notifications.domain.preferences import COPENHAGEN
from services.notifications.messages import meeting_calendar, meeting_kind_label, session_calendar
from services.notifications.rules import BY_KEY, scheduling

REMIND_AT = time(9, 0)  # day-based reminders (agreement expiry, evaluation due) at 09:00 Copenhagen


def _local_morning(day: date) -> datetime:
    return datetime.combine(day, REMIND_AT, tzinfo=COPENHAGEN)


def _aware(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def follow(conn, event: dict) -> None:
    """Schedule, move or drop the reminders of the rules `event` drives (after the projections)."""
    subject_id = event["stream"].split("-", 1)[1]
    occurred = _aware(event["occurred_at"])
    for rule in scheduling(event["type"]):
        _FOLLOWERS[event["type"]](conn, rule, subject_id, event["payload"], occurred)


def _upsert(conn, key, rule, subject_id, person_id, due_at, cause, values) -> None:
    """Insert, or move a reminder whose cause changed (a fired one reminds again for its new cause)."""
    conn.execute(
        "INSERT INTO reminders (key, rule, subject_id, person_id, due_at, status, cause, values) "
        "VALUES (%s, %s, %s, %s, %s, 'pending', %s, %s) ON CONFLICT (key) DO UPDATE SET due_at = EXCLUDED.due_at, "
        "cause = EXCLUDED.cause, values = EXCLUDED.values, status = 'pending', fired_at = NULL "
        "WHERE reminders.cause <> EXCLUDED.cause",
        (key, rule.key, subject_id, person_id, due_at, cause, Jsonb(values)))


def _drop(conn, rule, where: str, params) -> None:
    conn.execute(f"UPDATE reminders SET status = 'dropped' WHERE rule = %s AND status = 'pending' AND {where}",
                 (rule.key, *params))


def _before(conn, rule, moment: dict, occurred) -> None:
    """Reminders `offsets_hours` before a session or meeting occurrence (a row with id, starts_at, sequence)."""
    for hours in rule.offsets_hours:
        key = f"{rule.key}/{moment['id']}/{hours}h"
        due = moment["starts_at"] - timedelta(hours=hours)
        if due <= occurred:  # scheduled (or moved) too late for this one: the later reminder covers it
            _drop(conn, rule, "key = %s", (key,))
            continue
        _upsert(conn, key, rule, moment["id"], None, due, f"{key}@{moment['sequence']}", {"hours": hours})


def _session(conn, rule, course_id, p, occurred):
    _before(conn, rule, conn.execute("SELECT * FROM known_sessions WHERE id = %s", (p["session_id"],)).fetchone(),
            occurred)


def _session_cancelled(conn, rule, course_id, p, occurred):
    _drop(conn, rule, "subject_id = %s", (p["session_id"],))


def _course_cancelled(conn, rule, course_id, p, occurred):
    _drop(conn, rule, "subject_id IN (SELECT id FROM known_sessions WHERE course_id = %s)", (course_id,))


def _meeting_occurrences(conn, rule, meeting_id, p, occurred):
    """Scheduled (each occurrence it names) or one occurrence moved."""
    keys = [o["occurrence"] for o in p["occurrences"]] if "occurrences" in p else [p["occurrence"]]
    for row in conn.execute("SELECT * FROM known_meeting_occurrences WHERE meeting_id = %s AND occurrence = ANY(%s) "
                            "AND status = 'scheduled' ORDER BY occurrence", (meeting_id, keys)).fetchall():
        _before(conn, rule, row, occurred)


def _meeting_cancelled(conn, rule, meeting_id, p, occurred):
    if p.get("occurrence"):
        _drop(conn, rule, "subject_id = %s", (projections.occurrence_id(meeting_id, p["occurrence"]),))
    else:
        _drop(conn, rule, "subject_id IN (SELECT id FROM known_meeting_occurrences WHERE meeting_id = %s)",
              (meeting_id,))


def _agreement_term(conn, rule, agreement_id, p, occurred):
    agreement = conn.execute("SELECT * FROM known_agreements WHERE id = %s", (agreement_id,)).fetchone()
    term_ends_on = date.fromisoformat(p["term_ends_on"])
    key = f"{rule.key}/{agreement_id}"
    _upsert(conn, key, rule, agreement_id, agreement["volunteer_id"], _local_morning(term_ends_on + timedelta(days=1)),
            f"{key}@{term_ends_on.isoformat()}", {"term_ends_on": term_ends_on.isoformat()})


def _agreement_ended(conn, rule, agreement_id, p, occurred):
    _drop(conn, rule, "subject_id = %s", (agreement_id,))


def _month_after(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def _evaluation(conn, rule, peer_id, p, occurred):
    """The month to evaluate next: after an evaluation of M, M+1; after a first task, this month."""
    month = _month_after(p["month"]) if "month" in p else occurred.astimezone(COPENHAGEN).strftime("%Y-%m")
    key = f"{rule.key}/{peer_id}"
    current = conn.execute("SELECT values FROM reminders WHERE key = %s", (key,)).fetchone()
    if current is not None and current["values"]["month"] >= month:
        return  # a later task agreed in a month already due changes nothing
    due = _local_morning(date.fromisoformat(f"{_month_after(month)}-01"))
    _upsert(conn, key, rule, peer_id, peer_id, due, f"{key}@{month}", {"month": month})


_FOLLOWERS = {
    "group_course.session_scheduled": _session, "group_course.session_rescheduled": _session,
    "group_course.session_cancelled": _session_cancelled, "group_course.cancelled": _course_cancelled,
    "volunteer_agreement.activated": _agreement_term, "volunteer_agreement.renewed": _agreement_term,
    "volunteer_agreement.ended": _agreement_ended,
    "peer.task_agreed": _evaluation, "peer.monthly_evaluation_held": _evaluation,
    "meeting_notice.scheduled": _meeting_occurrences, "meeting_notice.changed": _meeting_occurrences,
    "meeting_notice.cancelled": _meeting_cancelled,
}


# -- template values, shared with immediate rules ---------------------------------------------------
def _local(row: dict | None) -> dict | None:
    """The row with its start as people in Denmark read it (`local_start`)."""
    if row is None:
        return None
    return {**row, "local_start": _aware(row["starts_at"]).astimezone(COPENHAGEN).strftime("%d.%m.%Y kl. %H:%M")}


def template_values(conn, subject_id: str, payload: dict) -> dict:
    """What templates may quote: the payload, and the course and session, or the meeting and its
    occurrences, it concerns (kinds, titles, times, places: no person). Times in Copenhagen time."""
    session_id = payload.get("session_id") or subject_id
    session = conn.execute("SELECT * FROM known_sessions WHERE id = %s", (session_id,)).fetchone()
    course_id = str(session["course_id"]) if session else subject_id
    course = conn.execute("SELECT * FROM known_courses WHERE id = %s", (course_id,)).fetchone()
    national_event = conn.execute("SELECT * FROM known_national_events WHERE id = %s",
                                  (payload.get("national_event_id") or subject_id,)).fetchone()
    return {**payload, "course": course, "session": _local(session), **_meeting_values(conn, subject_id, payload),
            "national_event": _local(national_event), "inbox_url": ledger.inbox_url()}


def _meeting_values(conn, subject_id: str, payload: dict) -> dict:
    """A notice's meeting (subject: the meeting) or a reminder's occurrence (subject: the occurrence)."""
    if "meeting_id" in payload and "occurrences" in payload:  # an invitation: the occurrences it names
        occurrences = conn.execute("SELECT * FROM known_meeting_occurrences WHERE meeting_id = %s AND occurrence = "
                                   "ANY(%s) ORDER BY starts_at", (payload["meeting_id"],
                                                                  [o["occurrence"] for o in payload["occurrences"]]))
    elif "meeting_id" in payload:  # a change or cancellation: one occurrence, or all
        where, params = ("occurrence = %s", (payload["occurrence"],)) if payload.get("occurrence") else \
            ("status = 'cancelled'", ())
        occurrences = conn.execute(f"SELECT * FROM known_meeting_occurrences WHERE meeting_id = %s AND {where} "
                                   "ORDER BY starts_at", (payload["meeting_id"], *params))
    else:
        occurrences = conn.execute("SELECT * FROM known_meeting_occurrences WHERE id = %s", (subject_id,))
    occurrences = [_local(o) for o in occurrences.fetchall()]
    meeting_id = payload.get("meeting_id") or (occurrences[0]["meeting_id"] if occurrences else None)
    meeting = conn.execute("SELECT * FROM known_meetings WHERE id = %s", (meeting_id,)).fetchone() if meeting_id else None
    if meeting is None:
        return {}
    return {"meeting": {**meeting, "kind_label": meeting_kind_label(meeting["kind"])}, "occurrences": occurrences,
            "occurrence": occurrences[0] if occurrences else None,
            "whole_meeting": "occurrence" in payload and payload["occurrence"] is None}


def calendar_of(conn, rule, values: dict, instance_id: str) -> str | None:
    if not rule.calendar:
        return None
    if values.get("session"):
        return session_calendar(values["session"], instance_id)
    if values.get("meeting") and values.get("occurrences"):
        return meeting_calendar(values["meeting"], values["occurrences"], instance_id)
    return None


# -- firing ---------------------------------------------------------------------------------------------
def fire_due(conn, now: datetime, instance_id: str, limit: int = 50) -> int:
    """Plan the messages of due reminders, each reminder in its own transaction; returns how many fired."""
    fired = 0
    for _ in range(limit):
        row = conn.execute("SELECT * FROM reminders WHERE status = 'pending' AND due_at <= %s "
                           "ORDER BY due_at, key LIMIT 1 FOR UPDATE SKIP LOCKED", (now,)).fetchone()
        if row is None:
            conn.commit()
            return fired
        rule = BY_KEY[row["rule"]]
        subject_id = str(row["subject_id"])
        values = {**template_values(conn, subject_id, {}), **row["values"]}
        moment = values.get("session") or values.get("occurrence")
        if moment is not None and (moment["status"] == "cancelled" or moment["starts_at"] <= now):
            status = "dropped"  # down past the session itself: a reminder of the past helps nobody
        else:
            ledger.plan(conn, rule, row["cause"], subject_id, row["values"], values, now,
                        calendar_of(conn, rule, values, instance_id))
            status, fired = "fired", fired + 1
        conn.execute("UPDATE reminders SET status = %s, fired_at = %s WHERE key = %s", (status, now, row["key"]))
        conn.commit()
    return fired
