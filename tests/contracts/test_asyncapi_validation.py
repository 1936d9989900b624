"""The third-party checks themselves (tests/contracts/asyncapi_validation.py) refuse what a consumer must
refuse: a message its exchange does not carry, a body off its schema, headers that name another type."""
import uuid

from contracts import asyncapi
from tests.contracts.asyncapi_validation import message_validator

BODY = {"event_id": str(uuid.uuid4()), "type": "method.added", "schema_version": 1, "stream": f"method-{uuid.uuid4()}",
        "stream_version": 0, "global_position": 1, "occurred_at": "2026-01-05T10:00:00+00:00",
        "source_service": "courses", "instance_id": "region-1084", "actor": "user-1",
        "correlation_id": str(uuid.uuid4()), "causation_id": None, "payload": {"name": "Recovery-café"}}
HEADERS = {"event_type": "method.added", "nameko.correlation_id": BODY["correlation_id"]}


def test_a_documented_message_passes_and_what_a_consumer_must_refuse_does_not():
    validate = message_validator(asyncapi.document())
    assert validate(BODY, "courses.events", HEADERS) == []
    assert validate(BODY, "roles.events") == ["channel roles.events documents no method.added v1"]
    assert validate(BODY, "nowhere.events") == ["no channel nowhere.events in the document"]
    assert validate({**BODY, "schema_version": 9}, "courses.events") == [
        "channel courses.events documents no method.added v9"]
    [extra] = validate({**BODY, "payload": {"name": "x", "owner": "Anne"}}, "courses.events")
    assert extra.startswith("payload: Additional properties are not allowed")
    [null_id] = validate({**BODY, "correlation_id": None}, "courses.events")
    assert null_id.startswith("correlation_id: None is not of type")
    [header] = validate(BODY, "courses.events", {**HEADERS, "event_type": "citizen.registered"})
    assert header.startswith("headers event_type:")
