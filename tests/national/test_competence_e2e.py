"""The shared competence catalogue end to end (issue 12 item 4) on the `topology` fixture: two region instances
and the national instance, each with its own RabbitMQ node and databases, linked by deploy/multi-region's shovels;
the courses service and its relay at the regions, the national service and its relay at the national instance.

What it guards: a module published (and versioned) at the national instance reaches both regions' catalogue; a
region maps a course to it, and a peer who completed the course has the completion in their profile, against the
version current at the close; the completion shows in the national picture of the module (region × month), the
person only as a pseudonym (no person id at the national side); the peer exports it as an Open Badges 3.0
credential, the other region verifies it against the first region's published key and records it on the peer's
consent; a tampered one is refused there.
"""
from __future__ import annotations

import base64
import json
import uuid

import pytest

from runtime import db
from services.courses import credentials
from tests.support.courses_instance import CoursesInstance
from tests.support.http import ok
from tests.support.instance import Instance, wait_until

REGION, OTHER = "region-1084", "region-1085"
MODULE = {"title": "Fælles peer-uddannelse", "description": "Den fælles peer-uddannelse peers efterspurgte (seed 004)",
          "learning_goals": ["Bruge egne erfaringer med omtanke", "Recovery og CHIME"], "kind": "peer_education",
          "hours": 37.5}
RULE = {"min_sessions_attended": 1, "min_attendance_percent": 50}


@pytest.fixture
def instances(topology, tmp_path):
    created = {r: CoursesInstance(r, ("courses",), tmp_path, broker=topology[r]) for r in (REGION, OTHER)}
    created["national"] = Instance("national", ("national",), tmp_path, broker=topology["national"])
    for instance in created.values():
        instance.create()
    # each region trusts the other's credentials, at the JWKS its courses service serves
    for region, other in ((REGION, OTHER), (OTHER, REGION)):
        created[region].environment[credentials.ISSUERS] = (
            f"{other}={created[other].url('courses', '/.well-known/jwks.json')}")
    yield created
    for instance in created.values():
        instance.destroy()


def catalogue(region) -> dict:
    return {m["module_id"]: m for m in ok(region.as_coordinator("GET", "/competence-modules"))}


def test_a_module_reaches_both_regions_a_completion_counts_nationally_and_the_credential_moves(instances):
    regions = {r: instances[r] for r in (REGION, OTHER)}
    national = instances["national"]
    for region in regions.values():
        region.start_service("courses")
        region.start_relay("courses")
    national.start_service("national")
    national.start_relay("national")
    coordinator = {"Authorization": f"Bearer {national.token('national_coordinator')}"}

    def as_national(method, path, **kwargs):
        return national.call(method, "national", path, token=coordinator["Authorization"].split()[1], **kwargs)

    module = ok(as_national("POST", "/national/competence-modules", json=MODULE), 201)
    module_id = module["module_id"]
    ok(as_national("POST", f"/national/competence-modules/{module_id}/versions",
                   json={**MODULE, "hours": 40.0, "expected_version": 0}), 201)
    for region in regions.values():
        wait_until(lambda: catalogue(region).get(module_id, {}).get("module_version") == 2, 90, 0.5,
                   "version 2 of the module in the region's catalogue")
        received = catalogue(region)[module_id]
        assert [v["module_version"] for v in received["versions"]] == [1, 2] and received["hours"] == 40.0

    # region-1084: a recovery course counting toward the module; a peer completes it
    region = regions[REGION]
    facilitator, peer = str(uuid.uuid4()), str(uuid.uuid4())
    course = ok(region.as_coordinator("POST", "/group-courses", json={
        "kind": "peer_education", "title": "Peer-uddannelse forår", "capacity": 10, "completion_rule": RULE,
        "method_ids": [], "facilitator_peer_ids": [facilitator]}), 201)
    path = f"/group-courses/{course['id']}"
    unknown = region.as_coordinator("PUT", f"{path}/competence-modules", json={"module_ids": [str(uuid.uuid4())]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "module_ids.0"
    mapped = ok(region.as_coordinator("PUT", f"{path}/competence-modules", json={"module_ids": [module_id]}))
    assert mapped["module_ids"] == [module_id]
    session = ok(region.as_coordinator("POST", f"{path}/sessions", json={
        "title": "Workshop", "starts_at": "2026-03-03T10:00:00+01:00", "ends_at": "2026-03-03T12:00:00+01:00",
        "place": "Recovery-skolen"}), 201)["sessions"][-1]["id"]
    participant = ok(region.as_coordinator("POST", f"{path}/participants", json={
        "participant_type": "citizen", "peer_id": peer}), 201)["id"]
    ok(region.as_coordinator("POST", f"{path}/sessions/{session}/held", json={
        "attendance": [{"participant_id": participant, "status": "present"}]}))
    ok(region.as_coordinator("POST", f"{path}/close", json={}))

    profile = ok(region.as_peer(peer, "GET", f"/persons/{peer}/competences"))
    (completion,) = profile["completions"]
    assert (completion["module_id"], completion["module_version"], completion["source"]) == (module_id, 2, "course")
    assert region.as_peer(str(uuid.uuid4()), "GET", f"/persons/{peer}/competences").status_code == 403

    # the national picture of the module: region-1084 one completion (suppressed: fewer than 5), no person
    def counted():
        with db.connect(national.database_url("national")) as conn:
            return conn.execute("SELECT instance_id, value FROM competence_cells WHERE module_id = %s",
                                (module_id,)).fetchall()
    wait_until(lambda: counted() == [{"instance_id": REGION, "value": 1}], 90, 0.5, "the completion nationally")
    picture = ok(as_national("GET", f"/national/competence-modules/{module_id}/picture"))["picture"]
    assert picture["regions"] == [REGION] and picture["total"] == {"value": None, "suppressed": True}
    with db.connect(national.database_url("national")) as conn:
        stored = json.dumps(conn.execute("SELECT stream_name, payload, metadata FROM events").fetchall(), default=str)
    assert peer not in stored and facilitator not in stored and course["id"] not in stored

    # the peer moves: exports the credential in region-1084, presents it in region-1085 with consent
    credential = ok(region.as_peer(peer, "GET", f"/persons/{peer}/competences/{completion['completion_id']}/credential"))
    assert credential["credential"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    moved, new_id = regions[OTHER], str(uuid.uuid4())  # the same person, a peer id of the new instance
    imports = f"/persons/{new_id}/competences/imports"
    refused = moved.as_peer(new_id, "POST", imports, json={"credential": credential["jwt"], "consent": False})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "consent"
    header, payload, signature = credential["jwt"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["creditsAvailable"] = 400.0
    forged = ".".join((header, base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode(), signature))
    tampered = moved.as_peer(new_id, "POST", imports, json={"credential": forged, "consent": True})
    assert tampered.status_code == 422 and "does not verify" in tampered.text
    imported = ok(moved.as_peer(new_id, "POST", imports, json={"credential": credential["jwt"], "consent": True}), 201)
    assert (imported["module_id"], imported["module_version"], imported["issuer_instance"], imported["source"]) == (
        module_id, 2, REGION, "credential")
    again = moved.as_peer(new_id, "POST", imports, json={"credential": credential["jwt"], "consent": True})
    assert again.status_code == 422 and "already recorded" in again.text
    (kept,) = ok(moved.as_peer(new_id, "GET", f"/persons/{new_id}/competences"))["completions"]
    assert kept["completion_id"] == completion["completion_id"] and kept["hours"] == 40.0
    # the region that imported reports nothing nationally: the completion counted where it was held
    assert counted() == [{"instance_id": REGION, "value": 1}]

    # retired nationally: both regions mark it, no course maps to it any more, the completions stay
    ok(as_national("POST", f"/national/competence-modules/{module_id}/retire", json={}))
    for r in regions.values():
        wait_until(lambda: catalogue(r)[module_id]["retired"], 90, 0.5, "the retirement in the region's catalogue")
    other_course = ok(moved.as_coordinator("POST", "/group-courses", json={
        "kind": "recovery_group", "title": "Recovery-gruppe", "capacity": 8, "completion_rule": RULE,
        "method_ids": [], "facilitator_peer_ids": []}), 201)
    late = moved.as_coordinator("PUT", f"/group-courses/{other_course['id']}/competence-modules",
                                json={"module_ids": [module_id]})
    assert late.status_code == 422 and late.json()["errors"][0]["reason"] == "the module is retired"
    assert len(ok(moved.as_peer(new_id, "GET", f"/persons/{new_id}/competences"))["completions"]) == 1
