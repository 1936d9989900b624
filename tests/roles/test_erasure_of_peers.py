"""Erasing a peer forgets their peer row, their agreements and what courses reported of them."""
import uuid

from tests.e2e.test_volunteer_agreement_to_statement import AGREEMENT


def test_an_erased_volunteer_is_forgotten_in_the_roles_read_models(instance):
    instance.start_service("roles")
    volunteer, coordinator = str(uuid.uuid4()), str(uuid.uuid4())
    token = instance.token("coordinator", subject=coordinator)

    def call(method, path, **kwargs):
        return instance.call(method, "roles", path, token=token, **kwargs)

    assert call("POST", "/peers", json={"peer_id": volunteer, "kind": "volunteer", "title": "frivillig peer",
                                        "name": "Sofie", "workplace": "Bro"}).status_code == 201
    drafted = call("POST", "/volunteer-agreements", json={**AGREEMENT, "volunteer_id": volunteer,
                                                          "coordinator_id": coordinator})
    assert drafted.status_code == 201, drafted.text
    erased = instance.call("POST", "roles", f"/persons/{volunteer}/erasure", roles=("admin",), json={})
    assert erased.status_code == 200, erased.text
    assert call("GET", f"/peers/{volunteer}").status_code == 404
    assert call("GET", "/volunteer-agreements").json() == []
