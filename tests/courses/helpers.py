"""Pure-domain helpers: run commands against an aggregate without a database, as the service does."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tests.support.domain import decide, fake_seal, types  # noqa: F401  (used by the courses tests)

T0 = datetime(2020, 3, 3, 9, 0, tzinfo=timezone.utc)
RULE = {"min_sessions_attended": 2, "min_attendance_percent": 66}


def planned_course(capacity=10, rule=RULE, kind="peer_education", facilitators=1):
    from services.courses.domain.group_course import GroupCourse

    course = GroupCourse(uuid.uuid4())
    peers = [str(uuid.uuid4()) for _ in range(facilitators)]
    decide(course, GroupCourse.plan(kind, "Peer-uddannelse", "", [], capacity, rule, set(), peers))
    return course, peers


def add_sessions(course, count):
    ids = []
    for n in range(count):
        start = T0 + timedelta(days=7 * n)
        events = decide(course, course.schedule_session(f"Workshop {n + 1}", start, start + timedelta(hours=2),
                                                        "Værkstedet"))
        ids.append(events[0].payload["session_id"])
    return ids


def enroll(course, n=1, kind="citizen"):
    ids = []
    for _ in range(n):
        events = decide(course, course.enroll(kind, citizen_id=uuid.uuid4()))
        ids.append(events[0].payload["participant_id"])
    return ids


def hold(course, session_id, attendance: dict):
    start = datetime.fromisoformat(course.sessions[session_id].starts_at)
    return decide(course, course.hold_session(session_id, start, None, [
        {"participant_id": pid, "status": status} for pid, status in attendance.items()]))
