"""Reminders as rows, written in the transaction of the event that schedules, moves or drops them;
fired by the sender loop when due (also when they fell due while the service was down), each once.

A reminder's `cause` names what it reminds of as it is now (a session at its current sequence, an
agreement term, an evaluation month): its messages' ids derive from the cause, so a reminder that was
moved reminds again, and one that fired is never sent twice.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from psycopg.types.json import Jsonb

from services.notifications import ledger
from services.notifications.domain.preferences import COPENHAGEN
from services.notifications.messages import session_calendar
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


def _session(conn, rule, course_id, p, occurred):
    session = conn.execute("SELECT * FROM known_sessions WHERE id = %s", (p["session_id"],)).fetchone()
    for hours in rule.offsets_hours:
        key = f"{rule.key}/{session['id']}/{hours}h"
        due = session["starts_at"] - timedelta(hours=hours)
        if due <= occurred:  # scheduled (or moved) too late for this one: the later reminder covers it
            _drop(conn, rule, "key = %s", (key,))
            continue
        _upsert(conn, key, rule, session["id"], None, due, f"{key}@{session['sequence']}", {"hours": hours})


def _session_cancelled(conn, rule, course_id, p, occurred):
    _drop(conn, rule, "subject_id = %s", (p["session_id"],))


def _course_cancelled(conn, rule, course_id, p, occurred):
    _drop(conn, rule, "subject_id IN (SELECT id FROM known_sessions WHERE course_id = %s)", (course_id,))


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
}


# -- template values, shared with immediate rules ---------------------------------------------------
def template_values(conn, subject_id: str, payload: dict) -> dict:
    """What templates may quote: the payload, and the course and session it concerns (titles, times,
    places: no person). Times are shown in Copenhagen time."""
    session_id = payload.get("session_id") or subject_id
    session = conn.execute("SELECT * FROM known_sessions WHERE id = %s", (session_id,)).fetchone()
    course_id = str(session["course_id"]) if session else subject_id
    course = conn.execute("SELECT * FROM known_courses WHERE id = %s", (course_id,)).fetchone()
    if session:
        session = {**session, "local_start": session["starts_at"].astimezone(COPENHAGEN).strftime("%d.%m.%Y kl. %H:%M")}
    return {**payload, "course": course, "session": session, "inbox_url": ledger.inbox_url()}


def calendar_of(conn, rule, values: dict, instance_id: str) -> str | None:
    return session_calendar(values["session"], instance_id) if rule.calendar and values.get("session") else None


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
        session = values.get("session")
        if session is not None and (session["status"] == "cancelled" or session["starts_at"] <= now):
            status = "dropped"  # down past the session itself: a reminder of the past helps nobody
        else:
            ledger.plan(conn, rule, row["cause"], subject_id, row["values"], values, now,
                        calendar_of(conn, rule, values, instance_id))
            status, fired = "fired", fired + 1
        conn.execute("UPDATE reminders SET status = %s, fired_at = %s WHERE key = %s", (status, now, row["key"]))
        conn.commit()
    return fired
