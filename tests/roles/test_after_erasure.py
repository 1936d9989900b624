"""Erasure tried as a coordinator would after erasing a volunteer (issue 8, items 16-19), on one real
roles service: commands on the person's streams are refused with 410, ending their agreement works,
the instance's statistics stay as they were (live and after a rebuild), and an erased leader no longer
fills a required field."""
import subprocess
import sys
import uuid

import pytest

from runtime.privacy import sealing
from tests.support.agreement_statement import AGREEMENT
from tests.support.instance import ROOT, Instance

COORDINATOR = str(uuid.uuid4())


@pytest.fixture(scope="module")
def roles(tmp_path_factory):
    created = Instance(services=("roles",), workdir=tmp_path_factory.mktemp("erasure")).create()
    created.start_service("roles")
    yield created
    created.destroy()


def call(instance, method, path, roles=("coordinator",), **kwargs):
    return instance.call(method, "roles", path, token=instance.token(*roles, subject=COORDINATOR), **kwargs)


def erase(instance, person_id):
    erased = instance.call("POST", "roles", f"/persons/{person_id}/erasure", roles=("admin",), json={})
    assert erased.status_code == 200, erased.text


def register_volunteer_with_agreement(instance) -> tuple[str, str]:
    volunteer = str(uuid.uuid4())
    registered = call(instance, "POST", "/peers", json={"peer_id": volunteer, "kind": "volunteer",
                                                        "title": "frivillig peer", "name": "Sofie",
                                                        "workplace": "Bro"})
    assert registered.status_code == 201, registered.text
    drafted = call(instance, "POST", "/volunteer-agreements",
                   json={**AGREEMENT, "volunteer_id": volunteer, "coordinator_id": COORDINATOR})
    assert drafted.status_code == 201, drafted.text
    return volunteer, drafted.json()["id"]


def assert_gone(response, field):
    assert response.status_code == 410, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/person-erased"
    assert {"field": field, "reason": "the person was erased"} in response.json()["errors"]


def test_commands_on_an_erased_peer_are_refused_and_bring_no_ghost_back(roles):
    """Guards item 16: PATCH assignment, PUT terms and POST tasks on an erased peer answered 200/201 and
    re-created a peer row with empty kind, name and workplace."""
    volunteer, _ = register_volunteer_with_agreement(roles)
    erase(roles, volunteer)
    commands = [
        ("PATCH", "assignment", {"leader_id": str(uuid.uuid4())}, ("coordinator",)),
        ("PUT", "terms", {"weekly_hours": 10, "working_times": []}, ("leader",)),
        ("POST", "tasks", {"title": "Gruppe", "success_criteria": [{"description": "4 møder", "target": 4}]},
         ("leader",)),
        ("POST", "secondments", {"from_unit": "A", "to_unit": "B", "starts_on": "2025-01-01",
                                 "ends_on": "2025-02-01", "personnel_leader_id": str(uuid.uuid4())}, ("leader",)),
        ("POST", "evaluations", {"month": "2025-01", "tasks": [], "days_expected": 4, "days_present": 4},
         ("leader",)),
    ]
    for method, what, body, caller in commands:
        assert_gone(call(roles, method, f"/peers/{volunteer}/{what}", roles=caller, json=body), "peer_id")
    assert call(roles, "GET", f"/peers/{volunteer}").status_code == 404
    assert volunteer not in [p["id"] for p in call(roles, "GET", "/peers").json()]


def test_an_erased_volunteers_agreement_can_be_ended_and_nothing_else(roles):
    """Guards item 17: ending an erased volunteer's agreement (and accepting confidentiality on it) was a 500,
    the command rebuilding the read-model row from nothing with an empty volunteer_id."""
    volunteer, agreement = register_volunteer_with_agreement(roles)
    erase(roles, volunteer)
    path = f"/volunteer-agreements/{agreement}"
    assert_gone(call(roles, "POST", f"{path}/confidentiality", json={"on": "2025-01-10"}), "volunteer_id")
    assert_gone(call(roles, "POST", f"{path}/signatures", json={"on": "2025-01-10", "party": "coordinator"}),
                "volunteer_id")
    ended = call(roles, "POST", f"{path}/end", json={"on": "2025-02-01", "ended_by": "organisation",
                                                     "reason": "other"})
    assert ended.status_code == 200, ended.text
    shown = ended.json()
    assert shown["status"] == "ended" and shown["volunteer_id"] is None
    assert "Sofie" not in ended.text and "Stationsvej" not in ended.text and "010190" not in ended.text


def statistics(instance):
    answer = call(instance, "GET", "/statistics")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_statistics_survive_erasure_and_a_rebuild(roles):
    """Guards item 18: the counts of volunteers, agreements and active agreements dropped by one when a
    person was erased (erasure deleted the rows the counts come from)."""
    volunteer, agreement = register_volunteer_with_agreement(roles)
    path = f"/volunteer-agreements/{agreement}"
    assert call(roles, "PUT", f"{path}/criminal-record-check", json={"status": "clean"}).status_code == 200
    assert call(roles, "POST", f"{path}/confidentiality", json={"on": "2025-01-06"}).status_code == 200
    assert call(roles, "POST", f"{path}/signatures", json={"on": "2025-01-06", "party": "coordinator"}
                ).status_code == 200
    signed = roles.call("POST", "roles", f"{path}/signatures", token=roles.token("peer", subject=volunteer),
                        json={"on": "2025-01-06", "party": "volunteer"})
    assert signed.status_code == 200 and signed.json()["status"] == "active", signed.text

    before = statistics(roles)
    assert before["peers"]["volunteer"] >= 1 and before["volunteer_agreements"]["active"] >= 1
    erase(roles, volunteer)
    assert statistics(roles) == before, "erasure removes the person, not the facts counted"
    assert call(roles, "GET", path).json()["status"] == "active"  # the agreement stays, as a fact

    result = subprocess.run([sys.executable, "-m", "admin.cli", "rebuild", "roles"], cwd=ROOT, env=roles.env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert statistics(roles) == before, "a rebuild counts what the live run counted"
    for role in ("peer", "national_coordinator"):
        assert call(roles, "GET", "/statistics", roles=(role,)).status_code == 403


def test_an_erased_leader_no_longer_fills_nearest_leader(roles):
    """Guards item 19: with nearest_leader naming a person who was then erased, publishing answered 200
    because the masked placeholder passed the required-field rule."""
    adopted = call(roles, "POST", "/function-descriptions", json={"workplace": "Parkvænget"})
    described = f"/function-descriptions/{adopted.json()['id']}"
    filled = call(roles, "PATCH", f"{described}/local-fields", json={"fields": {
        "organisational_placement": "Socialpsykiatrien", "nearest_leader": "Lene Leder", "mentor": "Mette",
        "internal_partners": ["Teamet"]}})
    assert filled.status_code == 200, filled.text
    assert call(roles, "PUT", f"{described}/support-mode", json={"support_mode": "both"}).status_code == 200
    erase(roles, filled.json()["local_fields"]["nearest_leader"]["person_id"])
    assert call(roles, "GET", described).json()["local_fields"]["nearest_leader"]["name"] == sealing.MASK

    published = call(roles, "POST", f"{described}/publish", json={})
    assert published.status_code == 422, published.text
    assert published.json()["errors"] == [{"field": "local_fields.nearest_leader",
                                           "reason": "names a person who was erased; name someone else"}]
    assert "local_fields.nearest_leader" in call(roles, "GET", described).json()["missing_for_publication"]
