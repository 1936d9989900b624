"""The roles service's stories: a function description from adoption to a reviewed revision, a paid peer
working under it, a volunteer from agreement to statement, and the erasure of a person."""
from __future__ import annotations

from tests.contracts.scenario import Scenario, StepFailed, new_id
from tests.support.agreement_statement import AGREEMENT
from tests.support.function_description import LOCAL_FIELDS
from tests.support.instance import wait_until

TIMES = [{"weekday": d, "starts": "10:00", "ends": "15:00"} for d in ("tue", "wed", "thu")]
CRISIS_PLAN = {"warning_signs": ["Sover under fem timer"], "triggers": ["Konflikter på arbejdet"],
               "what_helps": ["Gåture"], "whom_to_call": ["Søster Karen"]}


def register_peer(s: Scenario, key: str, kind: str, name: str, **extra) -> str:
    peer_id = s.ids[key] = new_id()
    s.call("POST", "roles", "/peers", {
        "peer_id": peer_id, "kind": kind, "title": "frivillig peer" if kind == "volunteer" else "peer-medarbejder",
        "name": name, "workplace": "Parkvænget", **extra}, role="leader")
    return peer_id


def function_description_and_paid_peer(s: Scenario) -> None:
    description = s.call("POST", "roles", "/function-descriptions", {"workplace": "Parkvænget"}, role="leader")
    path = f"/function-descriptions/{description['id']}"
    s.call("PATCH", "roles", f"{path}/local-fields", {"fields": LOCAL_FIELDS}, role="leader")
    s.call("PUT", "roles", f"{path}/support-mode", {"support_mode": "both"}, role="leader")
    s.call("POST", "roles", f"{path}/publish", {}, role="leader")
    peer = register_peer(s, "paid", "paid", "Peter Peer", leader_id=s.leader, function_description_id=description["id"])
    s.call("POST", "roles", f"{path}/acknowledgements", {"revision": 1}, peer=peer)
    s.call("POST", "roles", f"{path}/acknowledgements", {"revision": 1}, role="leader")


def paid_peer_terms_and_private_records(s: Scenario) -> None:
    peer = s.ids["paid"]
    path = f"/peers/{peer}"
    s.call("PATCH", "roles", f"{path}/assignment", {"mentor_id": new_id()}, role="leader")
    s.call("PUT", "roles", f"{path}/terms", {"weekly_hours": 15, "working_times": TIMES, "break_minutes": 15},
           role="leader")
    s.call("POST", "roles", f"{path}/secondments", {"from_unit": "Hjemmeenheden", "to_unit": "Parkvænget",
                                                    "starts_on": "2020-02-01", "ends_on": "2020-04-30",
                                                    "personnel_leader_id": new_id()}, role="leader")
    s.call("PUT", "roles", f"/persons/{peer}/contact", {"email": "peter.peer@example.dk"}, peer=peer)
    reader = new_id()
    for record, body in (("accommodation-needs", {"needs": ["Tid til overgange"]}), ("crisis-plan", CRISIS_PLAN)):
        s.call("PUT", "roles", f"{path}/{record}", body, peer=peer)
        s.call("POST", "roles", f"{path}/{record}/readers", {"person_id": reader}, peer=peer)
        s.call("DELETE", "roles", f"{path}/{record}/readers/{reader}", peer=peer)
    task = s.call("POST", "roles", f"{path}/tasks", {"title": "Udvikle og afholde 3 workshops", "success_criteria": [
        {"description": "3 workshops afholdt", "target": 3, "measure": "group_sessions_held"}]}, role="leader")
    s.call("POST", "roles", f"{path}/evaluations", {
        "month": "2020-02", "tasks": [{"task_id": task["tasks"][0]["task_id"], "completion_percent": 40}],
        "days_expected": 12, "days_present": 12}, role="leader")


def volunteer_agreement_activated(s: Scenario) -> None:
    """Up to an active, paused, resumed and renewed agreement; the statement waits for the volunteer's
    activities (courses and network report them: `statement_after_the_activities`)."""
    volunteer = register_peer(s, "volunteer", "volunteer", "Sofie Frivillig")
    register_peer(s, "guest", "volunteer", "Gitte Gæst")
    agreement = s.call("POST", "roles", "/volunteer-agreements",
                       {**AGREEMENT, "volunteer_id": volunteer, "coordinator_id": s.coordinator})
    path = s.ids["agreement_path"] = f"/volunteer-agreements/{agreement['id']}"
    s.call("POST", "roles", f"{path}/signatures", {"party": "volunteer", "on": "2025-01-06"}, peer=volunteer)
    s.call("POST", "roles", f"{path}/confidentiality", {"on": "2025-01-06"}, peer=volunteer)
    s.call("PUT", "roles", f"{path}/criminal-record-check", {"status": "clean"})
    s.call("POST", "roles", f"{path}/signatures", {"party": "coordinator", "on": "2025-01-06"})
    s.call("POST", "roles", f"{path}/pause", {"on": "2025-03-01", "pause_from": "2025-03-10"}, peer=volunteer)
    s.call("POST", "roles", f"{path}/resume", {"on": "2025-03-24"}, peer=volunteer)
    s.call("POST", "roles", "/volunteer-agreements/renewal-reminders", {"on": "2025-06-06"})
    s.call("POST", "roles", f"{path}/renewal", {"on": "2025-06-10"})


def statement_after_the_activities(s: Scenario) -> None:
    """The courses and network facts (`peer_activity.*`, `network_activity.*`, `peer_education.completed`)
    have become the volunteer's activities in roles; the agreement ends and the statement is issued."""
    path, leaving = s.ids["agreement_path"], "2025-08-01"

    def eligibility():
        return s.call("GET", "roles", f"{path}/eligibility", params={"as_of": leaving})
    try:
        wait_until(lambda: eligibility()["eligible"], timeout=90, interval=0.5,
                   message="the volunteer's activities counted in roles")
    except TimeoutError:
        raise StepFailed(f"the volunteer never became eligible for a statement: {eligibility()}") from None
    s.call("POST", "roles", f"{path}/end", {"on": leaving, "ended_by": "volunteer", "reason": "volunteer_wish"},
           peer=s.ids["volunteer"])
    s.call("POST", "roles", f"{path}/statement", {"on": leaving})


def erasure(s: Scenario) -> None:
    """`person.erased` in roles; courses and network each record `forgotten_person.recorded`."""
    s.call("POST", "roles", f"/persons/{s.ids['guest']}/erasure", {"basis": "data_subject_request"}, role="admin")


STEPS = [function_description_and_paid_peer, paid_peer_terms_and_private_records, volunteer_agreement_activated]
AFTER_THE_OTHERS = [statement_after_the_activities, erasure]
