"""The done-criterion of the courses service, end to end through HTTP, the outbox relay and the broker:

1. The peer education of seed 001 (Parkvænget, spring 2020): the paid peer supports three volunteer
   peers who each develop and hold a workshop with three exercises; participants are residents; the
   paid peer holds feedback interviews; the course closes and the completion rule decides.
2. An individual support course (seed 003, 'Bro til hverdagslivet'): a coordinator matches a
   volunteer with a citizen, replaces the match, the citizen's goals, sessions, WHO-5, closing.

A test-only consumer standing in for the roles service (tests/support/courses_listener.py) must see
the completions and the activities through the broker; a queue on `national.events` sees what leaves
the instance, and none of it is personal.
"""
from __future__ import annotations

import json
import re

from contracts.courses import PSEUDONYM_PATTERN
from services.courses.domain.methods import NATIONAL_METHODS
from tests.support.courses_instance import new_id, register_citizen
from tests.support.http import ok
from tests.support.instance import wait_until
from tests.support.national import drain, national_queue

METHOD = {m["name"]: str(m["id"]) for m in NATIONAL_METHODS}
PAID_PEER = new_id()
VOLUNTEERS = [new_id(), new_id(), new_id()]
WORKSHOPS = [  # Tuesdays 10-12.30 (Danish time: +01:00 until the end of March, then +02:00)
    ("Workshop 1: Min historie", "2020-03-03T10:00:00+01:00", "2020-03-03T12:30:00+01:00",
     ["Livslinjen", "Vendepunkter", "Den tynde og den tykke historie"]),
    ("Workshop 2: Recovery og arbejdsliv", "2020-03-17T10:00:00+01:00", "2020-03-17T12:30:00+01:00",
     ["Mine ressourcer", "CHIME i hverdagen", "Mål og drømme"]),
    ("Workshop 3: At dele erfaringer", "2020-04-14T10:00:00+02:00", "2020-04-14T12:30:00+02:00",
     ["Hvornår deler jeg?", "Grænser i relationer", "Fremtidsbrevet"]),
]


def test_seed_001_peer_education_and_an_individual_support_course(courses):
    national = national_queue(courses.amqp_uri)
    courses.start_service("courses")
    courses.start_relay("courses")
    courses.start_listener()

    # -- the peer education --------------------------------------------------------------------------------
    course = ok(courses.as_coordinator("POST", "/group-courses", json={
        "kind": "peer_education", "title": "Peer-uddannelse for beboere i beskæftigelse (LUB-pakken)",
        "method_ids": [METHOD["Livshistoriefortællinger"], METHOD["Guide til et godt hverdagsliv"]],
        "capacity": 6, "completion_rule": {"min_sessions_attended": 2, "min_attendance_percent": 66},
        "facilitator_peer_ids": [PAID_PEER, *VOLUNTEERS]}), 201)
    path = f"/group-courses/{course['id']}"
    assert course["status"] == "planned" and course["facilitator_peer_ids"] == [PAID_PEER, *VOLUNTEERS]

    sessions = []
    for volunteer, (title, starts, ends, _) in zip(VOLUNTEERS, WORKSHOPS):
        detail = ok(courses.as_peer(PAID_PEER, "POST", f"{path}/sessions", json={
            "title": title, "starts_at": starts, "ends_at": ends, "place": "Parkvænget, værkstedet",
            "facilitator_peer_ids": [volunteer, PAID_PEER]}), 201)
        sessions.append(detail["sessions"][-1]["id"])
    # Each volunteer develops the programme and three exercises of their own workshop.
    for volunteer, session_id, (title, _, _, exercises) in zip(VOLUNTEERS, sessions, WORKSHOPS):
        ok(courses.as_peer(volunteer, "PUT", f"{path}/sessions/{session_id}/programme", json={
            "programme": f"{title}\n10.00 Velkomst\n10.15 Øvelser\n12.15 Opsamling",
            "exercises": [{"title": e, "duration_minutes": 30} for e in exercises]}))
    detail = ok(courses.as_coordinator("GET", path))
    assert [len(s["exercises"]) for s in detail["sessions"]] == [3, 3, 3]

    residents = [register_citizen(courses, f"Beboer {n}") for n in range(1, 5)]
    resident_peer = new_id()  # a resident already registered as a volunteer peer in the roles service
    participants = [ok(courses.as_peer(PAID_PEER, "POST", f"{path}/participants",
                                       json={"participant_type": "citizen", "citizen_id": c}), 201)["id"]
                    for c in residents]
    peer_participant = ok(courses.as_peer(PAID_PEER, "POST", f"{path}/participants",
                                          json={"participant_type": "citizen", "peer_id": resident_peer}), 201)["id"]
    everyone = participants + [peer_participant]
    for p, items in zip(everyone, ([2, 2, 3, 2, 1], [3, 3, 2, 2, 2], [1, 2, 2, 1, 2], [3, 2, 3, 3, 2], [2, 3, 3, 2, 3])):
        ok(courses.as_peer(PAID_PEER, "POST", f"{path}/who5", json={"participant_id": p, "timing": "start",
                                                                      "items": items}), 201)

    # Workshop 1: Beboer 4 is absent; Beboer 3 comes late.
    ok(courses.as_peer(VOLUNTEERS[0], "POST", f"{path}/sessions/{sessions[0]}/held", json={"attendance": [
        {"participant_id": participants[0], "status": "present"},
        {"participant_id": participants[1], "status": "present"},
        {"participant_id": participants[2], "status": "late", "minutes_late": 20},
        {"participant_id": participants[3], "status": "absent"},
        {"participant_id": peer_participant, "status": "present"}]}))
    # A resident who joins late, after the first workshop: not expected at it.
    late_joiner = ok(courses.as_coordinator("POST", f"{path}/participants", json={
        "participant_type": "citizen", "citizen_id": register_citizen(courses, "Beboer 5")}), 201)["id"]
    for volunteer, session_id, second_status in zip(VOLUNTEERS[1:], sessions[1:], ("excused", "present")):
        ok(courses.as_peer(volunteer, "POST", f"{path}/sessions/{session_id}/held", json={"attendance": [
            {"participant_id": participants[0], "status": "present"},
            {"participant_id": participants[1], "status": second_status},
            {"participant_id": participants[2], "status": "present"},
            {"participant_id": participants[3], "status": "absent"},
            {"participant_id": peer_participant, "status": "present"},
            {"participant_id": late_joiner, "status": "present"}]}))
    # The paid peer's feedback interviews after each workshop (free text: personal).
    for session_id in sessions:
        for p in everyone[:3]:
            ok(courses.as_peer(PAID_PEER, "POST", f"{path}/feedback", json={
                "participant_id": p, "session_id": session_id, "rating": 4,
                "text": "Det var godt at høre de andres historier."}), 201)
    for p, items in zip(everyone, ([3, 3, 3, 3, 2], [3, 3, 3, 2, 3], [2, 3, 3, 2, 3], [3, 3, 3, 3, 3], [4, 3, 4, 3, 3])):
        ok(courses.as_peer(PAID_PEER, "POST", f"{path}/who5", json={"participant_id": p, "timing": "end",
                                                                      "items": items}), 201)

    closed = ok(courses.as_coordinator("POST", f"{path}/close", json={}))
    assert closed["status"] == "closed"
    roster = {p["id"]: p for p in ok(courses.as_coordinator("GET", f"{path}/participants"))}
    assert {pid for pid, p in roster.items() if p["completed"]} == {
        participants[0], participants[1], participants[2], peer_participant, late_joiner}
    assert roster[participants[1]]["sessions_expected"] == 2  # excused once: not held against her
    assert roster[late_joiner]["sessions_expected"] == 2
    assert not roster[participants[3]]["completed"]
    assert len(ok(courses.as_coordinator("GET", f"{path}/feedback"))) == 9

    # -- an individual support course (seed 003) ------------------------------------------------------------
    citizen = register_citizen(courses, "Borger i Rudersdal")
    first, second = VOLUNTEERS[0], VOLUNTEERS[1]
    support = ok(courses.as_coordinator("POST", "/support-courses", json={
        "citizen_id": citizen, "method_ids": [METHOD["Liv i Fokus"]], "peer_id": first}), 201)
    spath = f"/support-courses/{support['id']}"
    ok(courses.as_peer(first, "POST", f"{spath}/goals", json={"text": "Komme med i løbeklubben"}), 201)
    ok(courses.as_peer(first, "POST", f"{spath}/who5", json={"timing": "start", "items": [1, 2, 1, 2, 1]}), 201)
    ok(courses.as_peer(first, "POST", f"{spath}/sessions", json={
        "kind": "conversation", "held_at": "2024-02-06T10:00:00+01:00", "duration_minutes": 60}), 201)
    replaced = ok(courses.as_coordinator("POST", f"{spath}/match/replace", json={
        "peer_id": second, "reason": "Kemien passede ikke"}))
    assert replaced["peer_id"] == second and replaced["matches"][0]["ended_at"] is not None
    assert courses.as_peer(first, "POST", f"{spath}/sessions", json={
        "kind": "conversation", "held_at": "2024-02-13T10:00:00+01:00", "duration_minutes": 60}).status_code == 403
    for kind, when, minutes in (("accompaniment_activity", "2024-02-20T17:00:00+01:00", 120),
                                ("companionship", "2024-03-05T10:00:00+01:00", 90),
                                ("accompaniment_meeting", "2024-03-12T09:00:00+01:00", 75)):
        ok(courses.as_peer(second, "POST", f"{spath}/sessions", json={
            "kind": kind, "held_at": when, "duration_minutes": minutes}), 201)
    mistake = ok(courses.as_peer(second, "POST", f"{spath}/sessions", json={
        "kind": "conversation", "held_at": "2024-03-19T09:00:00+01:00", "duration_minutes": 75}), 201)["sessions"][-1]
    ok(courses.as_peer(second, "POST", f"{spath}/sessions/{mistake['id']}/withdraw", json={"reason": "duplicate"}))
    ok(courses.as_peer(second, "POST", f"{spath}/who5", json={"timing": "end", "items": [3, 3, 2, 3, 3]}), 201)
    final = ok(courses.as_coordinator("POST", f"{spath}/close", json={
        "reason": "goals_reached", "evaluation": "Borgeren løber nu med i klubben hver tirsdag."}))
    assert final["status"] == "closed" and [w["score"] for w in final["who5"]] == [56, 28]  # end, start

    # -- what the roles service will see, through the broker -------------------------------------------------
    # Each workshop by a volunteer and the paid peer; five support sessions, one withdrawn as a duplicate.
    expected = {"peer_activity.session_held": 3 * 2 + 5, "peer_activity.withdrawn": 1, "peer_education.completed": 5}

    def counts():
        seen = [e["event_type"] for e in courses.seen()]
        return {t: seen.count(t) for t in expected} == expected
    wait_until(counts, timeout=60, message="the roles stand-in seeing every completion and activity")
    seen = courses.seen()
    completions = [e["payload"] for e in seen if e["event_type"] == "peer_education.completed"]
    assert {c["peer_id"] for c in completions} == {resident_peer, None}
    assert all(c["course_id"] == course["id"] and c["sessions_held"] == 3 for c in completions)
    [withdrawn] = [e["payload"] for e in seen if e["event_type"] == "peer_activity.withdrawn"]
    activities = [e["payload"] for e in seen if e["event_type"] == "peer_activity.session_held"
                  and e["payload"]["activity_id"] != withdrawn["activity_id"]]
    assert withdrawn["peer_id"] == second and withdrawn["reason"] == "duplicate"
    per_peer = {}
    for a in activities:
        per_peer.setdefault(a["peer_id"], []).append((a["kind"], a["duration_minutes"]))
    assert sorted(per_peer[PAID_PEER]) == [("group_session", 150)] * 3
    assert sorted(per_peer[VOLUNTEERS[2]]) == [("group_session", 150)]
    assert sorted(per_peer[second]) == [("accompaniment_activity", 120), ("accompaniment_meeting", 75),
                                        ("companionship", 90), ("group_session", 150)]
    assert sorted(per_peer[first]) == [("conversation", 60), ("group_session", 150)]

    # -- what left the instance: pseudonyms and distributions, nothing personal -----------------------------
    def national_events():
        bodies = drain(courses.amqp_uri, national)
        national_events.seen += bodies
        return [b for b in national_events.seen if b["type"].startswith(("peer_education", "outcome"))] \
            if len(national_events.seen) >= 6 else None
    national_events.seen = []
    shared = wait_until(national_events, timeout=60, message="national events")
    reported = [b["payload"] for b in shared if b["type"] == "peer_education.completion_reported"]
    assert len(reported) == 5
    assert all(re.match(PSEUDONYM_PATTERN, r["pseudonym"]) for r in reported)
    outcome = [b["payload"] for b in shared if b["type"] == "outcome.who5_distribution_reported"]
    assert outcome == [{"course_type": "group_course", "course_kind": "peer_education", "closed_on":
                        outcome[0]["closed_on"], "suppressed": False, "distributions": [
                            # [0, 1, 4, 0, 0] and [0, 0, 3, 2, 0]: all but fewer than 3 share a band, so
                            # each distribution is hidden whole (docs/security.md, the national level)
                            {"timing": "start", "count": 5, "buckets": [None] * 5, "below_50": None},
                            {"timing": "end", "count": 5, "buckets": [None] * 5, "below_50": None}]}]
    text = json.dumps(shared)
    for secret in ("Beboer", "Borger", "+45", "historier", resident_peer, *residents, *VOLUNTEERS, PAID_PEER):
        assert secret not in text
