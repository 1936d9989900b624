"""The Parkvænget peer (seed 001) over HTTP: terms, the 12-hour minimum, a secondment, accommodation
needs sealed in the store, readable only by the peer, their leader and whom the peer allowed, audited."""
import uuid

from runtime import db

PEER, LEADER, HOME_LEADER, COLLEAGUE = (str(uuid.uuid4()) for _ in range(4))
TIMES = [{"weekday": d, "starts": "10:00", "ends": "15:00"} for d in ("tue", "wed", "thu")]
NEEDS = ["Rolige og forudsigelige opgaver", "Tid til overgange", "Mindst muligt stress", "100% arbejdsidentitet"]


def test_parkvaenget_peer_terms_secondment_and_accommodation_needs(instance):
    instance.start_service("roles")
    leader = instance.token("leader", subject=LEADER)
    peer = instance.token("peer", subject=PEER)

    def call(method, path, token=leader, **kwargs):
        return instance.call(method, "roles", path, token=token, **kwargs)

    registered = call("POST", "/peers", json={"peer_id": PEER, "kind": "paid", "title": "peer-støttemedarbejder",
                                              "name": "Peter Peer", "workplace": "Parkvænget", "leader_id": LEADER})
    assert registered.status_code == 201, registered.text
    path = f"/peers/{PEER}"

    under = call("PUT", f"{path}/terms", json={"weekly_hours": 10, "working_times": TIMES[:2], "break_minutes": 15})
    assert under.status_code == 422
    assert under.json()["errors"][0]["field"] == "weekly_hours"
    assert "12" in under.json()["errors"][0]["reason"]
    terms = call("PUT", f"{path}/terms", json={"weekly_hours": 15, "working_times": TIMES, "break_minutes": 15})
    assert terms.status_code == 200, terms.text
    assert terms.json()["terms"]["working_times"] == TIMES
    seconded = call("POST", f"{path}/secondments", json={
        "from_unit": "Hjemmeenheden", "to_unit": "Parkvænget", "starts_on": "2020-02-01", "ends_on": "2020-04-30",
        "personnel_leader_id": HOME_LEADER})
    assert seconded.status_code == 200, seconded.text
    assert seconded.json()["secondments"][0]["personnel_leader_id"] == HOME_LEADER

    mentor = str(uuid.uuid4())
    assigned = call("PATCH", f"{path}/assignment", json={"mentor_id": mentor})
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["mentor_id"], assigned.json()["leader_id"]) == (mentor, LEADER)

    recorded = call("PUT", f"{path}/accommodation-needs", token=peer, json={"needs": NEEDS})
    assert recorded.status_code == 200, recorded.text
    assert call("GET", f"{path}/accommodation-needs", token=peer).json()["needs"] == NEEDS
    assert call("GET", f"{path}/accommodation-needs").json()["needs"] == NEEDS  # the leader
    colleague = instance.token("coordinator", subject=COLLEAGUE)
    assert call("GET", f"{path}/accommodation-needs", token=colleague).status_code == 403
    other_peer = instance.token("peer", subject=str(uuid.uuid4()))
    assert call("GET", f"{path}/accommodation-needs", token=other_peer).status_code == 403
    assert call("GET", path, token=other_peer).status_code == 403
    assert call("POST", f"{path}/accommodation-needs/readers", json={"person_id": COLLEAGUE},
                token=other_peer).status_code == 403
    granted = call("POST", f"{path}/accommodation-needs/readers", token=peer, json={"person_id": COLLEAGUE})
    assert granted.json()["readers"] == [COLLEAGUE]
    assert call("GET", f"{path}/accommodation-needs", token=colleague).json()["needs"] == NEEDS
    call("DELETE", f"{path}/accommodation-needs/readers/{COLLEAGUE}", token=peer)
    assert call("GET", f"{path}/accommodation-needs", token=colleague).status_code == 403

    # Sealed in the event store and in the read model: no need appears in plain text.
    with db.connect(instance.database_url("roles")) as conn:
        stored = str(conn.execute("SELECT payload FROM events WHERE event_type = "
                                  "'peer.accommodation_needs_recorded'").fetchall())
        stored += str(conn.execute("SELECT accommodation_needs FROM peers").fetchall())
    assert "pii:v2:" in stored and "Tid til overgange" not in stored and "stress" not in stored

    audit = instance.call("GET", "roles", "/audit-log?resource_type=accommodation_needs", roles=("admin",)).json()
    assert sorted(e["actor"] for e in audit) == sorted([PEER, LEADER, COLLEAGUE])
    assert {e["resource_id"] for e in audit} == {PEER}

    listed = call("GET", "/peers").json()
    assert [(p["id"], p["kind"], p["title"]) for p in listed] == [(PEER, "paid", "peer-støttemedarbejder")]
    assert "accommodation_needs" not in listed[0]


def test_parkvaenget_agreed_tasks_and_monthly_evaluation_over_http(instance):
    instance.start_service("roles")
    peer_id, leader_id = str(uuid.uuid4()), str(uuid.uuid4())
    leader = instance.token("leader", subject=leader_id)

    def call(method, path, token=leader, **kwargs):
        return instance.call(method, "roles", path, token=token, **kwargs)

    call("POST", "/peers", json={"peer_id": peer_id, "kind": "paid", "title": "recoverymentor", "name": "Peter",
                                 "workplace": "Parkvænget", "leader_id": leader_id})
    agreed = call("POST", f"/peers/{peer_id}/tasks", json={"title": "Udvikle og afholde 3 workshops",
                                                           "success_criteria": [{"description": "3 workshops afholdt",
                                                                                 "target": 3,
                                                                                 "measure": "group_sessions_held"}]})
    assert agreed.status_code == 201, agreed.text
    task = agreed.json()["tasks"][0]
    assert task["success_criteria"][0]["achieved"] == 0
    evaluated = call("POST", f"/peers/{peer_id}/evaluations", json={
        "month": "2020-02", "tasks": [{"task_id": task["task_id"], "completion_percent": 40}],
        "days_expected": 12, "days_present": 12, "note": "Workshop 1 planlagt"})
    assert evaluated.status_code == 201, evaluated.text
    again = call("POST", f"/peers/{peer_id}/evaluations", json={
        "month": "2020-02", "tasks": [], "days_expected": 12, "days_present": 12})
    assert again.status_code == 409
    own = call("GET", f"/peers/{peer_id}/tasks", token=instance.token("peer", subject=peer_id)).json()
    assert own["tasks"][0]["evaluated_percent"] == 40
    assert own["evaluations"][0]["note"] == "Workshop 1 planlagt"
