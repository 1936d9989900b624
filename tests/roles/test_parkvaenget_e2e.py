"""Seed 001, Parkvænget, through the roles HTTP API and the broker: the function description adopted and
published; the paid peer working under it with Tue–Thu 10–15 and a 15-minute break, seconded Feb–Apr 2020
from the home unit; accommodation needs; the agreed tasks, whose workshop count follows the group sessions
the courses service reports (published by its relay); a monthly evaluation; the revision reviewed by the
peer and the leader together."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from runtime.eventstore import NewEvent
from tests.support.agreement_statement import publish_as_courses
from tests.support.function_description import LOCAL_FIELDS
from tests.support.instance import Instance, wait_until

TIMES = [{"weekday": d, "starts": "10:00", "ends": "15:00"} for d in ("tue", "wed", "thu")]


@pytest.fixture
def instance(tmp_path):
    created = Instance(services=("roles", "courses"), workdir=tmp_path).create()
    yield created
    created.destroy()


def test_parkvaenget_from_description_to_reviewed_revision(instance):
    instance.start_service("courses")
    instance.start_service("roles")
    instance.start_relay("courses")
    peer_id, leader_id, home_leader = (str(uuid.uuid4()) for _ in range(3))
    leader = instance.token("leader", subject=leader_id)
    peer = instance.token("peer", subject=peer_id)

    def call(method, path, token=leader, **kwargs):
        response = instance.call(method, "roles", path, token=token, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    description = call("POST", "/function-descriptions", json={"workplace": "Parkvænget"})
    path = f"/function-descriptions/{description['id']}"
    call("PATCH", f"{path}/local-fields", json={"fields": LOCAL_FIELDS})
    call("PUT", f"{path}/support-mode", json={"support_mode": "group"})
    assert call("POST", f"{path}/publish", json={})["revision"] == 1

    call("POST", "/peers", json={"peer_id": peer_id, "kind": "paid", "title": "peer-støttemedarbejder",
                                 "name": "Peter Peer", "workplace": "Parkvænget", "leader_id": leader_id,
                                 "function_description_id": description["id"]})
    call("PUT", f"/peers/{peer_id}/terms", json={"weekly_hours": 15, "working_times": TIMES, "break_minutes": 15})
    call("POST", f"/peers/{peer_id}/secondments", json={"from_unit": "Hjemmeenheden", "to_unit": "Parkvænget",
                                                        "starts_on": "2020-02-01", "ends_on": "2020-04-30",
                                                        "personnel_leader_id": home_leader})
    call("PUT", f"/peers/{peer_id}/accommodation-needs", token=peer,
         json={"needs": ["Rolige og forudsigelige opgaver", "Tid til overgange", "Mindst muligt stress"]})
    tasks = call("POST", f"/peers/{peer_id}/tasks", json={
        "title": "Udvikle og afholde 3 workshops",
        "success_criteria": [{"description": "3 workshops afholdt", "target": 3, "measure": "group_sessions_held"}]})
    call("POST", f"/peers/{peer_id}/tasks", json={
        "title": "Støtte 3 frivillige peers i at udvikle og afholde 3 workshops med 3 øvelser hver",
        "success_criteria": [{"description": "3 frivillige, 3 workshops, 3 øvelser hver", "target": 3}]})
    workshops_task = tasks["tasks"][0]["task_id"]

    # The courses service reports the three workshops the peer facilitated.
    for i in range(3):
        activity_id = str(uuid.uuid4())
        publish_as_courses(instance, f"peer_activity-{activity_id}", [NewEvent("peer_activity.session_held", {
            "activity_id": activity_id, "peer_id": peer_id, "kind": "group_session", "course_type": "group_course",
            "course_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
            "held_at": (datetime(2020, 2, 4, 10, tzinfo=timezone.utc) + timedelta(weeks=i)).isoformat(),
            "duration_minutes": 120})])

    def workshops_met():
        progress = call("GET", f"/peers/{peer_id}/tasks", token=peer)
        return progress if progress["tasks"][0]["success_criteria"][0]["met"] else None

    progress = wait_until(workshops_met, timeout=90, message="the workshops reaching roles through the broker")
    assert progress["group_sessions_held"] == 3
    assert progress["tasks"][0]["derived_percent"] == 100

    evaluated = call("POST", f"/peers/{peer_id}/evaluations", json={
        "month": "2020-02", "tasks": [{"task_id": workshops_task, "completion_percent": 100}],
        "days_expected": 12, "days_present": 12})
    assert evaluated["evaluations"][0]["month"] == "2020-02"

    call("POST", f"{path}/acknowledgements", token=peer, json={"revision": 1})
    call("POST", f"{path}/acknowledgements", json={"revision": 1})
    assert call("GET", f"{path}/history")[0]["reviewed"] is True

    peers = call("GET", "/peers")
    assert [(p["id"], p["terms"]["weekly_hours"], p["secondments"][0]["to_unit"]) for p in peers] == [
        (peer_id, 15, "Parkvænget")]
