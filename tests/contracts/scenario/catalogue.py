"""The shared competence catalogue across the national instance and a region: a module published and versioned
nationally reaches the region's catalogue; the region maps a peer education course to it and the volunteer's
completion counts (in the region, and pseudonymously at the national level); the volunteer brings a completion
from another region as its Open Badges 3.0 credential (signed by `ForeignIssuer`, which the region's
`CREDENTIAL_ISSUERS` trusts, set by the every-type test); the module is retired nationally and in the region."""
from __future__ import annotations

from tests.contracts.scenario import Scenario, StepFailed
from tests.contracts.scenario.courses import RULE, session
from tests.support.instance import wait_until

MODULE = {"title": "Fælles peer-uddannelse", "description": "Den fælles peer-uddannelse (seed 004)",
          "learning_goals": ["Bruge egne erfaringer med omtanke"], "kind": "peer_education", "hours": 37.5}


def _in_catalogue(s: Scenario, module_id: str, wanted) -> dict:
    def arrived():
        module = {m["module_id"]: m for m in s.call("GET", "courses", "/competence-modules")}.get(module_id)
        return module if module is not None and wanted(module) else None
    try:
        return wait_until(arrived, timeout=90, interval=0.5, message="the module in the region's catalogue")
    except TimeoutError:
        raise StepFailed(f"module {module_id} never reached the region as wanted: "
                         f"{s.call('GET', 'courses', '/competence-modules')}") from None


def module_published_mapped_and_completed(s: Scenario) -> None:
    module = s.ids["module"] = s.call("POST", "national", "/national/competence-modules", MODULE,
                                      role="national_coordinator")["module_id"]
    s.call("POST", "national", f"/national/competence-modules/{module}/versions",
           {**MODULE, "hours": 40.0, "expected_version": 0}, role="national_coordinator")
    _in_catalogue(s, module, lambda m: m["module_version"] == 2)
    course = s.call("POST", "courses", "/group-courses", {
        "kind": "peer_education", "title": "Fælles peer-uddannelse, forår", "capacity": 10, "completion_rule": RULE,
        "facilitator_peer_ids": [s.ids["paid"]]})["id"]
    path = f"/group-courses/{course}"
    s.call("PUT", "courses", f"{path}/competence-modules", {"module_ids": [module], "expected_version": None})
    learner = s.call("POST", "courses", f"{path}/participants",
                     {"participant_type": "citizen", "peer_id": s.ids["volunteer"]})
    held = session(s, course, "2026-03-03")
    s.call("POST", "courses", f"{path}/sessions/{held}/held",
           {"attendance": [{"participant_id": learner["id"], "status": "present"}]})
    s.call("POST", "courses", f"{path}/close", {})
    volunteer = s.ids["volunteer"]
    completions = s.call("GET", "courses", f"/persons/{volunteer}/competences", peer=volunteer)["completions"]
    if [c["module_id"] for c in completions] != [module]:
        raise StepFailed(f"the completion is not in the volunteer's profile: {completions}")


def completion_brought_from_another_region(s: Scenario) -> None:
    volunteer, module = s.ids["volunteer"], s.ids["module"]
    jwt = s.foreign_issuer.credential({"module_id": module, "title": MODULE["title"], "kind": "supervision_training",
                                       "hours": 12.0})
    s.call("POST", "courses", f"/persons/{volunteer}/competences/imports", {"credential": jwt, "consent": True},
           peer=volunteer)


def module_retired(s: Scenario) -> None:
    module = s.ids["module"]
    s.call("POST", "national", f"/national/competence-modules/{module}/retire", {"expected_version": None},
           role="national_coordinator")
    _in_catalogue(s, module, lambda m: m["retired"])


STEPS = [module_published_mapped_and_completed, completion_brought_from_another_region, module_retired]
