"""The competence module aggregate (services/national/domain/competence_module.py), in process."""
import uuid

import pytest

import contracts
from runtime.domain import RuleBroken
from services.national.domain.competence_module import CompetenceModule

DETAILS = {"title": "Fælles peer-uddannelse", "description": "Den fælles uddannelse peers efterspurgte (seed 004)",
           "learning_goals": ["Bruge egne erfaringer med omtanke", "Recovery og CHIME"], "kind": "peer_education",
           "hours": 37.5}


def decide(module, events):
    for event in events:
        contracts.validate_payload(event.type, 1, event.payload)
        module.apply(event.type, event.payload)
        module.version += 1
    return events


def test_versions_supersede_and_a_retired_module_takes_no_new_version():
    module = CompetenceModule(uuid.uuid4())
    [first] = decide(module, module.publish(DETAILS))
    assert first.payload["module_version"] == 1 and first.payload["module_id"] == str(module.id)
    [second] = decide(module, module.publish({**DETAILS, "hours": 40.0}))
    assert second.payload["module_version"] == 2 and module.current_version == 2
    [retired] = decide(module, module.retire())
    assert retired.payload == {"module_id": str(module.id), "module_version": 2}
    with pytest.raises(RuleBroken, match="retired"):
        module.publish(DETAILS)
    with pytest.raises(RuleBroken, match="already retired"):
        module.retire()


def test_what_goes_down_to_every_instance_is_broadcast_and_carries_nothing_personal():
    for event_type in ("competence_module.published", "competence_module.retired"):
        contract = contracts.contract(event_type, 1)
        assert contract.downlink == "broadcast" and contract.publishers == ("national",)
        assert contracts.national_violations(contract.schema) == []
