"""Facts this service publishes for others, derived from an aggregate's new events.

They go to their own streams (categories `peer_activity`, `peer_education`, `outcome`, `course_held`), appended in
the same transaction as the events they follow, so a consumer such as roles binds only what it
needs and never receives a citizen's goals or feedback text.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from runtime.eventstore import NewEvent, stream_name
from services.courses.domain import who5

ACTIVITY_NAMESPACE = uuid.UUID("1b3a9c55-0f8e-5e0c-8d7a-4b2f6e9c1a07")


def activity_id(session_id, peer_id) -> uuid.UUID:
    """One activity per peer and session: the same session can never count twice for a peer."""
    return uuid.uuid5(ACTIVITY_NAMESPACE, f"{session_id}/{peer_id}")


def _activity(peer_id, kind, course_type, course_id, session_id, held_at, minutes) -> tuple[str, NewEvent]:
    aid = activity_id(session_id, peer_id)
    return stream_name("peer_activity", aid), NewEvent("peer_activity.session_held", {
        "activity_id": str(aid), "peer_id": str(peer_id), "kind": kind, "course_type": course_type,
        "course_id": str(course_id), "session_id": str(session_id), "held_at": held_at,
        "duration_minutes": minutes})


def group_course_facts(course, new_events: list[NewEvent], today, pseudonym) -> list[tuple[str, NewEvent]]:
    """(stream, event) pairs that follow from a group course's new events; `course` is its state
    after them, `pseudonym(person_id)` the instance's keyed pseudonym."""
    facts = []
    for event in new_events:
        if event.type == "group_course.session_held":
            for f in event.payload["facilitations"]:
                facts.append(_activity(f["peer_id"], "group_session", "group_course", course.id,
                                       event.payload["session_id"], event.payload["held_at"], f["minutes"]))
        elif event.type == "group_course.closed":
            facts += _closing_facts(course, event.payload, today, pseudonym)
    return facts


def course_held(course_type: str, course_id, course_kind: str, closed_on, participants: int) -> tuple[str, NewEvent]:
    """The national count of a course held to its close (`course_held.reported`): its kind and how many took
    part, in a stream of its own (nothing else about the course or anybody in it)."""
    return stream_name("course_held", course_id), NewEvent("course_held.reported", {
        "course_type": course_type, "course_kind": course_kind, "closed_on": closed_on.isoformat(),
        "participants": participants})


def _closing_facts(course, closed: dict, today, pseudonym) -> list[tuple[str, NewEvent]]:
    facts = [course_held("group_course", course.id, course.kind, today, len(course.enrolled()))]
    if course.kind == "peer_education":
        stream = stream_name("peer_education", course.id)
        for participant_id in closed["completed_participant_ids"]:
            participant = course.participants[participant_id]
            outcome = course.outcome_of(participant)
            facts.append((stream, NewEvent("peer_education.completed", {
                "course_id": str(course.id), "participant_id": participant_id, "peer_id": participant.peer_id,
                "completed_on": today.isoformat(), "sessions_attended": outcome.attended,
                "sessions_held": closed["sessions_held"]})))
            facts.append((stream, NewEvent("peer_education.completion_reported", {
                "pseudonym": pseudonym(participant.peer_id or participant.citizen_id),
                "completed_on": today.isoformat()})))
    # An erased person's score opens as None: they no longer count.
    scores = {timing: [score for (pid, t), score in sorted(course.who5.items())
                       if t == timing and score is not None and course.participants[pid].status == "enrolled"]
              for timing in ("start", "end")}
    if any(scores.values()):
        suppressed, distributions = who5.report(scores)
        facts.append((stream_name("outcome", course.id), NewEvent("outcome.who5_distribution_reported", {
            "course_type": "group_course", "course_kind": course.kind, "closed_on": today.isoformat(),
            "suppressed": suppressed, "distributions": distributions})))
    return facts


def support_course_facts(course, new_events: list[NewEvent], today) -> list[tuple[str, NewEvent]]:
    """A held session starts its activity's stream; a withdrawal follows it in the same stream; the close
    reports the course held (one citizen) nationally."""
    facts = []
    for event in new_events:
        p = event.payload
        if event.type == "support_course.closed":
            facts.append(course_held("support_course", course.id, "individual", today, 1))
        if event.type == "support_course.session_held":
            facts.append(_activity(p["peer_id"], p["kind"], "support_course", course.id, p["session_id"],
                                   p["held_at"], p["duration_minutes"]))
        elif event.type == "support_course.session_withdrawn":
            peer_id = course.session_peers[p["session_id"]]
            aid = activity_id(p["session_id"], peer_id)
            facts.append((stream_name("peer_activity", aid), NewEvent("peer_activity.withdrawn", {
                "activity_id": str(aid), "peer_id": peer_id, "reason": p["reason"]})))
    return facts


def local_date(value: datetime):
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Europe/Copenhagen")).date()
