"""The courses service's part of the demo (seed 000, seed 001): the peer education the volunteers attend, a
recovery group with the national methods 'Guide til et godt hverdagsliv' and '5 veje til et godt liv', both
with sessions and attendance, and an individual support course with the Parkvænget peer."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from demo.client import DemoClient, demo_id
from demo.roles import PAID_PEER_ID, VOLUNTEERS

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
PLACE = "Recovery-skolen, lokale 2 (demo)"
RULE = {"min_sessions_attended": 2, "min_attendance_percent": 50}
PEER_EDUCATION = "Peer-uddannelsen (demo)"
RECOVERY_GROUP = "Recovery-gruppe: Et godt hverdagsliv (demo)"


def _at(weeks_from_now: int, hour: int) -> datetime:
    day = datetime.now(timezone.utc).astimezone(DANISH_TIME).date() + timedelta(weeks=weeks_from_now)
    return datetime.combine(day, time(hour), DANISH_TIME)


def _method_ids(client: DemoClient, *names: str) -> list[str]:
    by_name = {m["name"]: m["id"] for m in client.call("GET", "courses", "/methods")}
    return [by_name[name] for name in names]


def _group_course(client: DemoClient, title: str, kind: str, sessions: list[tuple[str, int]], method_ids=(),
                  participants=lambda: [], held: int = 2) -> int:
    """Plans the course if no course has its title, then its sessions, participants and the first `held`
    sessions' attendance, each only while missing (a second run finds them all and changes nothing)."""
    created = 0
    course = next((c for c in client.call("GET", "courses", "/group-courses") if c["title"] == title), None)
    if course is None:
        course = client.call("POST", "courses", "/group-courses", json={
            "kind": kind, "title": title, "capacity": 12, "completion_rule": RULE, "method_ids": list(method_ids),
            "facilitator_peer_ids": [PAID_PEER_ID]})
        created += 1
    path = f"/group-courses/{course['id']}"
    detail = client.call("GET", "courses", path)
    if not detail["sessions"]:
        for session_title, weeks in sessions:
            starts = _at(weeks, 10)
            detail = client.call("POST", "courses", f"{path}/sessions", json={
                "title": session_title, "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat(), "place": PLACE})
        created += 1
    enrolled = client.call("GET", "courses", f"{path}/participants")
    if not enrolled:
        for participant in participants():
            enrolled.append(client.call("POST", "courses", f"{path}/participants", json=participant))
        created += 1
    facilitator = {"role": "peer", "subject": PAID_PEER_ID}
    statuses = ("present", "late", "present", "absent")
    for session in detail["sessions"][:held]:
        if session["status"] == "scheduled":
            client.call("POST", "courses", f"{path}/sessions/{session['id']}/held", **facilitator, json={
                "attendance": [{"participant_id": p["id"], "status": statuses[i % len(statuses)],
                                **({"minutes_late": 15} if statuses[i % len(statuses)] == "late" else {})}
                               for i, p in enumerate(enrolled)]})
            created += 1
    return created


def peer_education(client: DemoClient, report=print) -> int:
    """The peer education (seed 001: three workshops) the three demo volunteers attend as learners."""
    return _group_course(
        client, PEER_EDUCATION, "peer_education",
        [("Workshop 1: Recovery og levede erfaringer", -3), ("Workshop 2: Samtalen", -2),
         ("Workshop 3: Brobygning", 1)],
        participants=lambda: [{"participant_type": "citizen", "peer_id": demo_id(v["key"])} for v in VOLUNTEERS])


def recovery_group(client: DemoClient, report=print) -> int:
    """A recovery group course built on the two national methods, with citizens (invented) attending."""
    def citizens():
        return [{"participant_type": "citizen", "citizen_id": client.call(
                    "POST", "courses", "/citizens", json={"name": name, "phone": None})["id"]}
                for name in ("Karen Borger (demo)", "Jonas Borger (demo)", "Amira Borger (demo)")]

    return _group_course(
        client, RECOVERY_GROUP, "recovery_group",
        [("Gang 1: Guide til et godt hverdagsliv", -2), ("Gang 2: 5 veje til et godt liv", -1),
         ("Gang 3: Mit gode hverdagsliv", 1), ("Gang 4: Afslutning", 2)],
        method_ids=_method_ids(client, "Guide til et godt hverdagsliv", "5 veje til et godt liv"),
        participants=citizens)


def individual_support_course(client: DemoClient, report=print) -> int:
    """An individual support course: an invented citizen matched with the Parkvænget peer, a goal and two
    conversations (the peer's hours reach the roles service as facts)."""
    peer = {"role": "peer", "subject": PAID_PEER_ID}
    if client.call("GET", "courses", "/support-courses", **peer):
        return 0
    citizen = client.call("POST", "courses", "/citizens", json={"name": "Henrik Borger (demo)", "phone": None})
    course = client.call("POST", "courses", "/support-courses", json={
        "citizen_id": citizen["id"], "peer_id": PAID_PEER_ID,
        "method_ids": _method_ids(client, "Guide til et godt hverdagsliv")})
    path = f"/support-courses/{course['id']}"
    client.call("POST", "courses", f"{path}/goals", **peer, json={"text": "Komme ud at gå en tur to gange om ugen"})
    for weeks in (-2, -1):
        client.call("POST", "courses", f"{path}/sessions", **peer, json={
            "kind": "conversation", "held_at": _at(weeks, 13).isoformat(), "duration_minutes": 60})
    return 1
