"""Revisions of a function description: each published revision is reviewed by the peer and the leader
together (both acknowledge it); the history of versions is readable."""
import uuid
from datetime import datetime, timezone

import pytest

from runtime.domain import RuleBroken
from runtime.eventstore import RecordedEvent
from services.roles.domain import FunctionDescription, stream_of
from services.roles.domain.function_description import history
from tests.support.domain import decide, types

FIELDS = {"organisational_placement": "Socialpsykiatrien, Parkvænget",
          "nearest_leader": {"name": "Lene Leder", "person_id": None},
          "mentor": {"name": "Mette Mentor", "person_id": None}, "internal_partners": ["Personalegruppen"]}
PEER, LEADER = str(uuid.uuid4()), str(uuid.uuid4())


def published():
    description, log = FunctionDescription(id=uuid.uuid4()), []

    def run(events):
        log.extend(decide(description, events))

    run(FunctionDescription.adopt("Parkvænget", None))
    run(description.fill_local_fields(FIELDS))
    run(description.decide_support_mode("both"))
    run(description.publish())
    return description, run, log


def recorded(stream, events):
    at = datetime(2020, 2, 1, tzinfo=timezone.utc)
    return [RecordedEvent(event_id=e.event_id, stream=stream, stream_version=i, type=e.type, schema_version=1,
                          payload=e.payload, metadata={}, occurred_at=at, global_position=i + 1, transaction_id=1)
            for i, e in enumerate(events)]


def test_a_revision_is_reviewed_when_both_the_peer_and_the_leader_acknowledged_it():
    description, run, _ = published()
    assert types(description.acknowledge(1, "peer", PEER)) == ["function_description.revision_acknowledged"]
    run(description.acknowledge(1, "peer", PEER))
    with pytest.raises(RuleBroken):
        description.acknowledge(1, "peer", PEER)
    assert types(description.acknowledge(1, "leader", LEADER)) == [
        "function_description.revision_acknowledged", "function_description.revision_reviewed"]


def test_only_the_latest_published_revision_is_acknowledged():
    description, run, _ = published()
    with pytest.raises(RuleBroken):
        description.acknowledge(2, "peer", PEER)
    unpublished = FunctionDescription(id=uuid.uuid4())
    with pytest.raises(RuleBroken):
        unpublished.acknowledge(1, "leader", LEADER)


def test_the_history_holds_every_published_version_with_its_acknowledgements():
    description, run, log = published()
    run(description.acknowledge(1, "peer", PEER))
    run(description.acknowledge(1, "leader", LEADER))
    run(description.fill_local_fields({"special_responsibilities": ["Workshops for frivillige"]}))
    run(description.publish())
    run(description.acknowledge(2, "leader", LEADER))
    versions = history(recorded(stream_of(description.id), log))
    assert [(v["revision"], v["reviewed"], v["acknowledged_by"]) for v in versions] == [
        (1, True, {"peer": PEER, "leader": LEADER}), (2, False, {"leader": LEADER})]
    assert "special_responsibilities" not in versions[0]["local_fields"]
    assert versions[1]["local_fields"]["special_responsibilities"] == ["Workshops for frivillige"]
