"""The courses service's stories: a recovery group through every change a course can have, the peer
education the volunteer completes, individual support courses (the volunteer's activities) and the batch of
closed ones that reaches the national level."""
from __future__ import annotations

from tests.contracts.scenario import Scenario, new_id

RULE = {"min_sessions_attended": 1, "min_attendance_percent": 50}
START = {"timing": "start", "items": [1, 2, 2, 1, 2]}
END = {"timing": "end", "items": [3, 3, 4, 3, 3]}


def citizen(s: Scenario, name: str) -> str:
    return s.call("POST", "courses", "/citizens", {"name": name, "phone": "+45 12 34 56 78"})["id"]


def plan(s: Scenario, kind: str, title: str, facilitators, capacity: int = 10) -> str:
    return s.call("POST", "courses", "/group-courses", {
        "kind": kind, "title": title, "capacity": capacity, "completion_rule": RULE,
        "facilitator_peer_ids": list(facilitators)})["id"]


def session(s: Scenario, course_id: str, day: str, **extra) -> str:
    return s.call("POST", "courses", f"/group-courses/{course_id}/sessions", {
        "title": "Workshop", "starts_at": f"{day}T10:00:00+01:00", "ends_at": f"{day}T12:00:00+01:00",
        "place": "Recovery-skolen", **extra})["sessions"][-1]["id"]


def methods_and_citizens(s: Scenario) -> None:
    s.call("POST", "courses", "/methods", {"name": "Recovery-café", "description": "Lokal metode"})
    citizen_id = citizen(s, "Karen Borger")
    s.call("PATCH", "courses", f"/citizens/{citizen_id}/contact", {"email": "karen@example.dk"})


def recovery_group_from_plan_to_close(s: Scenario) -> None:
    peer = s.ids["paid"]
    course = plan(s, "recovery_group", "Recovery-gruppe", [peer], capacity=1)
    path = f"/group-courses/{course}"
    first = s.call("POST", "courses", f"{path}/participants",
                   {"participant_type": "citizen", "citizen_id": citizen(s, "Anne Borger")}, peer=peer)
    second = s.call("POST", "courses", f"{path}/participants",
                    {"participant_type": "relative", "citizen_id": citizen(s, "Bo Borger")}, peer=peer)
    s.call("POST", "courses", f"{path}/participants/{first['id']}/withdraw", {}, peer=peer)  # promotes the second
    s.call("PUT", "courses", f"{path}/capacity", {"capacity": 8})
    other = new_id()
    s.call("POST", "courses", f"{path}/facilitators", {"peer_id": other})
    s.call("DELETE", "courses", f"{path}/facilitators/{other}")
    held = session(s, course, "2024-02-06", programme="Velkomst", exercises=[{"title": "Livslinjen",
                                                                             "duration_minutes": 30}])
    s.call("PUT", "courses", f"{path}/sessions/{held}/schedule", {
        "starts_at": "2024-02-07T10:00:00+01:00", "ends_at": "2024-02-07T12:00:00+01:00", "place": "Biblioteket"},
        peer=peer)
    s.call("PUT", "courses", f"{path}/sessions/{held}/programme", {"programme": "Håb og mening", "exercises": []},
           peer=peer)
    cancelled = session(s, course, "2024-02-13")
    s.call("POST", "courses", f"{path}/sessions/{cancelled}/cancel", {}, peer=peer)
    s.call("POST", "courses", f"{path}/sessions/{held}/held",
           {"attendance": [{"participant_id": second["id"], "status": "late", "minutes_late": 10}]}, peer=peer)
    s.call("PUT", "courses", f"{path}/sessions/{held}/attendance/{second['id']}", {"status": "present"}, peer=peer)
    s.call("POST", "courses", f"{path}/feedback", {"participant_id": second["id"], "text": "Godt forløb", "rating": 5},
           peer=peer)
    for measurement in (START, END):
        s.call("POST", "courses", f"{path}/who5", {"participant_id": second["id"], **measurement}, peer=peer)
    s.call("POST", "courses", f"{path}/close", {})
    s.call("POST", "courses", f"/group-courses/{plan(s, 'recovery_school', 'Aflyst kursus', [])}/cancel",
           {"reason": "for få tilmeldte"})


def peer_education_completed_by_the_volunteer(s: Scenario) -> None:
    course = plan(s, "peer_education", "Peer-uddannelsen", [s.ids["paid"]])
    path = f"/group-courses/{course}"
    learner = s.call("POST", "courses", f"{path}/participants",
                     {"participant_type": "citizen", "peer_id": s.ids["volunteer"]})
    held = session(s, course, "2025-02-04")
    s.call("POST", "courses", f"{path}/sessions/{held}/held",
           {"attendance": [{"participant_id": learner["id"], "status": "present"}]})
    s.call("POST", "courses", f"{path}/close", {})


def support_course(s: Scenario, peer: str, closed: bool = True) -> str:
    course = s.call("POST", "courses", "/support-courses",
                    {"citizen_id": citizen(s, "Ole Borger"), "peer_id": peer})["id"]
    for measurement in (START, END):
        s.call("POST", "courses", f"/support-courses/{course}/who5", measurement, peer=peer)
    if closed:
        s.call("POST", "courses", f"/support-courses/{course}/close",
               {"reason": "goals_reached", "evaluation": "Målene er nået"}, peer=peer)
    return course


def the_volunteers_support_course(s: Scenario) -> None:
    """Eleven sessions, one withdrawn: the ten activities the volunteer's statement needs, held after the
    agreement's first half year (from 6 January 2025, a fortnight's pause), so roles finds the volunteer
    eligible as of the tenth."""
    volunteer = s.ids["volunteer"]
    unmatched = s.call("POST", "courses", "/support-courses", {"citizen_id": citizen(s, "Lise Borger")})["id"]
    s.call("POST", "courses", f"/support-courses/{unmatched}/match", {"peer_id": s.ids["paid"]})
    course = support_course(s, s.ids["paid"], closed=False)
    path = f"/support-courses/{course}"
    s.call("POST", "courses", f"{path}/match/replace", {"peer_id": volunteer, "reason": "bedre match"})
    goal = s.call("POST", "courses", f"{path}/goals", {"text": "Komme ud at gå hver dag"}, peer=volunteer)
    s.call("PUT", "courses", f"{path}/goals/{goal['goals'][-1]['id']}", {"status": "reached"}, peer=volunteer)
    for day in range(11):
        sessions = s.call("POST", "courses", f"{path}/sessions", {
            "kind": "companionship", "held_at": f"2025-07-{day + 21:02d}T10:00:00+02:00", "duration_minutes": 60},
            peer=volunteer)["sessions"]
    s.call("POST", "courses", f"{path}/sessions/{sessions[-1]['id']}/withdraw", {"reason": "duplicate"},
           peer=volunteer)
    s.call("POST", "courses", f"{path}/close", {"reason": "goals_reached", "evaluation": "Godt"}, peer=volunteer)


def a_batch_of_closed_support_courses(s: Scenario) -> None:
    """Four more closed courses with both WHO-5 measurements: five, the national report's threshold."""
    for _ in range(4):
        support_course(s, new_id())


STEPS = [methods_and_citizens, recovery_group_from_plan_to_close, peer_education_completed_by_the_volunteer,
         the_volunteers_support_course, a_batch_of_closed_support_courses]
