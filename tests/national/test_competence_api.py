"""The competence catalogue's HTTP API at the national instance (services/national/api/competence.py), against a
real national service: publish, version, retire with their refusals; each module's picture of completions by
region and month under the suppression rules (docs/security.md N13, N8-N10); a rebuild gives the same rows."""
from __future__ import annotations

import json
import uuid

import pytest

from runtime import db, eventstore
from runtime.eventstore import projection
from services.national import projections
from tests.support.instance import Instance

MODULE = {"title": "Supervisionsuddannelse", "description": "Supervision på lige fod", "kind": "supervision_training",
          "learning_goals": ["Give og modtage supervision"], "hours": 12.0}


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    created = Instance("national", ("national",), tmp_path_factory.mktemp("catalogue")).create()
    try:
        created.start_service("national")
        yield created
    finally:
        created.destroy()


def call(national, method, path, **kwargs):
    return national.call(method, "national", path, roles=("national_coordinator",), **kwargs)


def test_versions_retirement_and_their_refusals(national):
    created = call(national, "POST", "/national/competence-modules", json=MODULE)
    assert created.status_code == 201, created.text
    module = created.json()
    assert (module["module_version"], module["version"], module["retired"]) == (1, 0, False)
    path = f"/national/competence-modules/{module['module_id']}"
    stale = call(national, "POST", f"{path}/versions", json={**MODULE, "expected_version": 5})
    assert stale.status_code == 409, stale.text
    missing = call(national, "POST", f"{path}/versions", json={k: v for k, v in MODULE.items() if k != "learning_goals"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "learning_goals"
    second = call(national, "POST", f"{path}/versions", json={**MODULE, "hours": 14.0, "expected_version": 0}).json()
    assert [v["module_version"] for v in second["versions"]] == [1, 2] and second["hours"] == 14.0
    retired = call(national, "POST", f"{path}/retire", json={})
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert call(national, "POST", f"{path}/versions", json=MODULE).status_code == 409
    assert call(national, "POST", f"{path}/retire", json={}).status_code == 409
    assert call(national, "GET", f"/national/competence-modules/{uuid.uuid4()}").status_code == 404
    assert national.call("GET", "national", path, roles=("coordinator",)).status_code == 403
    assert module["module_id"] in {m["module_id"] for m in call(national, "GET", "/national/competence-modules").json()}


def report(conn, instance_id: str, module_id: str, day: str) -> None:
    """A region's completion as the national service stores it (its own pseudonymous stream)."""
    pseudonym = f"{instance_id}:p2:{uuid.uuid4().hex[:26].translate(str.maketrans('0189', 'abcd'))}"
    stream = f"competence-{instance_id}:p2:{uuid.uuid4().hex[:26].translate(str.maketrans('0189', 'wxyz'))}"
    for event in eventstore.append(conn, stream, [eventstore.NewEvent("competence.completion_reported", {
            "pseudonym": pseudonym, "module_id": module_id, "module_version": 1, "completed_on": day})],
            eventstore.NO_STREAM, eventstore.Metadata("courses", instance_id, "instance", uuid.uuid4())):
        projections.project(conn, event)


def test_a_modules_picture_is_suppressed_where_small_and_rebuilt_the_same(national):
    module_id = call(national, "POST", "/national/competence-modules", json=MODULE).json()["module_id"]
    with db.connect(national.database_url("national")) as conn:
        for _ in range(6):
            report(conn, "region-1084", module_id, "2026-03-10")
        for _ in range(2):
            report(conn, "region-1085", module_id, "2026-03-20")
        conn.commit()
    answer = call(national, "GET", f"/national/competence-modules/{module_id}/picture")
    assert answer.status_code == 200, answer.text
    picture = answer.json()["picture"]
    cells = {(c["region"], c["period"]): c for c in picture["cells"]}
    assert cells[("region-1084", "2026-03")]["suppressed"] is True  # hidden beside the 2 (N9), not for itself
    assert cells[("region-1085", "2026-03")] == {"region": "region-1085", "period": "2026-03", "value": None,
                                                 "suppressed": True}
    assert picture["total"] == {"value": 8, "suppressed": False}
    only = call(national, "GET", f"/national/competence-modules/{module_id}/picture", params={"region": "region-1084"})
    assert only.json()["picture"]["total"] == picture["total"]  # N10: margins of the whole table
    bad = call(national, "GET", f"/national/competence-modules/{module_id}/picture", params={"from": "2026-13"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
    overall = call(national, "GET", "/national/picture", params={"measure": "competence_completions"}).json()
    assert overall["measures"][0]["total"]["value"] >= 8

    with db.connect(national.database_url("national")) as conn:
        def dump():
            return {t: json.dumps(conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall(), default=str)
                    for t in projections.READ_MODEL_TABLES}
        live = dump()
        projection.rebuild(conn, projections.READ_MODEL_TABLES, projections.project)
        assert dump() == live
        conn.rollback()
