"""The peer's own crisis plan (seed 000, self-care) over HTTP: written only by the peer, sealed in the
store, read only by the peer and whom the peer allowed (not their leader), every read audited, and
forgotten with the person (issue 8 item 15)."""
import uuid

from runtime import db

PEER, LEADER, FRIEND = (str(uuid.uuid4()) for _ in range(3))
PLAN = {"warning_signs": ["Sover under fem timer", "Trækker mig fra venner"],
        "triggers": ["Konflikter på arbejdet"], "what_helps": ["Gåture", "Faste måltider"],
        "whom_to_call": ["Søster Karen, 12 34 56 78"]}


def test_the_peer_decides_who_reads_their_crisis_plan_and_every_read_is_audited(instance):
    """Guards item 15: `SPECIAL_CATEGORY` named a crisis plan that did not exist. Now it does, sealed
    like accommodation needs, but the peer's own: even the peer's leader reads it only when allowed."""
    instance.start_service("roles")
    peer, leader = instance.token("peer", subject=PEER), instance.token("leader", subject=LEADER)
    friend = instance.token("coordinator", subject=FRIEND)

    def call(method, path, token, **kwargs):
        return instance.call(method, "roles", f"/peers/{PEER}{path}", token=token, **kwargs)

    assert instance.call("POST", "roles", "/peers", token=leader, json={
        "peer_id": PEER, "kind": "paid", "title": "recoverymentor", "name": "Pia Peer", "workplace": "Bro",
        "leader_id": LEADER}).status_code == 201
    assert call("PUT", "/crisis-plan", leader, json=PLAN).status_code == 403  # not even the leader writes it
    other_peer = instance.token("peer", subject=str(uuid.uuid4()))
    assert call("PUT", "/crisis-plan", other_peer, json=PLAN).status_code == 403
    invalid = call("PUT", "/crisis-plan", peer, json={**PLAN, "triggers": [""]})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"].startswith("triggers")
    recorded = call("PUT", "/crisis-plan", peer, json=PLAN)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json() == {"peer_id": PEER, "recorded": True, "readers": []}  # no part of the plan

    own = call("GET", "/crisis-plan", peer)
    assert own.status_code == 200 and {k: own.json()[k] for k in PLAN} == PLAN
    for stranger in (leader, friend, other_peer):
        assert call("GET", "/crisis-plan", stranger).status_code == 403
    assert call("POST", "/crisis-plan/readers", leader, json={"person_id": LEADER}).status_code == 403
    granted = call("POST", "/crisis-plan/readers", peer, json={"person_id": FRIEND})
    assert granted.json() == {"peer_id": PEER, "recorded": True, "readers": [FRIEND]}
    shown = call("GET", "/crisis-plan", friend).json()
    assert {k: shown[k] for k in PLAN} == PLAN
    assert call("GET", "/crisis-plan", leader).status_code == 403  # allowing one allows no one else
    assert call("DELETE", f"/crisis-plan/readers/{FRIEND}", peer).json()["readers"] == []
    assert call("GET", "/crisis-plan", friend).status_code == 403

    with db.connect(instance.database_url("roles")) as conn:
        stored = str(conn.execute("SELECT payload FROM events WHERE event_type = 'peer.crisis_plan_recorded'"
                                  ).fetchall()) + str(conn.execute("SELECT crisis_plan FROM peers").fetchall())
    assert "pii:v2:" in stored and not any(text in stored for part in PLAN.values() for text in part)
    audit = instance.call("GET", "roles", "/audit-log?resource_type=crisis_plan", roles=("admin",)).json()
    assert sorted(e["actor"] for e in audit) == sorted([PEER, FRIEND])  # the two reads that disclosed it
    assert {e["resource_id"] for e in audit} == {PEER}

    erased = instance.call("POST", "roles", f"/persons/{PEER}/erasure", roles=("admin",),
                           json={"basis": "data_subject_request"})
    assert erased.status_code == 200, erased.text
    assert call("GET", "/crisis-plan", peer).status_code in (404, 410)
