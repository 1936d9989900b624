"""Over HTTP: the peer working under a description and the leader acknowledge its revision; history readable."""
import uuid

from tests.support.function_description import LOCAL_FIELDS


def test_peer_and_leader_review_a_revision_and_the_history_is_readable(instance):
    instance.start_service("roles")
    peer_id, leader_id = str(uuid.uuid4()), str(uuid.uuid4())
    leader = instance.token("leader", subject=leader_id)
    peer = instance.token("peer", subject=peer_id)

    def call(method, path, token=leader, **kwargs):
        return instance.call(method, "roles", path, token=token, **kwargs)

    description = call("POST", "/function-descriptions", json={"workplace": "Parkvænget"}).json()
    path = f"/function-descriptions/{description['id']}"
    call("PATCH", f"{path}/local-fields", json={"fields": LOCAL_FIELDS})
    call("PUT", f"{path}/support-mode", json={"support_mode": "both"})
    assert call("POST", f"{path}/publish", json={}).status_code == 200
    assert call("POST", "/peers", json={"peer_id": peer_id, "kind": "paid", "title": "peer-medarbejder",
                                        "name": "Peter Peer", "workplace": "Parkvænget", "leader_id": leader_id,
                                        "function_description_id": description["id"]}).status_code == 201

    stranger = instance.token("peer", subject=str(uuid.uuid4()))
    assert call("POST", f"{path}/acknowledgements", token=stranger, json={"revision": 1}).status_code == 403
    assert call("POST", f"{path}/acknowledgements", token=peer, json={"revision": 2}).status_code == 409
    assert call("POST", f"{path}/acknowledgements", token=peer, json={"revision": 1}).status_code == 200
    assert call("POST", f"{path}/acknowledgements", json={"revision": 1}).status_code == 200

    call("PATCH", f"{path}/local-fields", json={"fields": {"special_responsibilities": ["Workshops"]}})
    assert call("POST", f"{path}/publish", json={}).json()["revision"] == 2
    versions = call("GET", f"{path}/history", token=peer).json()
    assert [(v["revision"], v["reviewed"]) for v in versions] == [(1, True), (2, False)]
    assert versions[0]["acknowledged_by"] == {"peer": peer_id, "leader": leader_id}
    assert versions[0]["local_fields"]["nearest_leader"]["name"] == "Lene Leder"
    assert versions[1]["local_fields"]["special_responsibilities"] == ["Workshops"]
