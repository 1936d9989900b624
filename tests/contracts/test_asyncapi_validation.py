"""The third-party checks themselves (tests/contracts/asyncapi_validation.py) refuse what a consumer must
refuse: a message its exchange does not carry, a body off its schema, headers that name another type; and so
does the JavaScript one (asyncapi_parser/validate_messages.mjs)."""
import json
import subprocess
import uuid

from contracts import asyncapi
from tests.contracts.asyncapi_validation import install_official_parser, message_validator

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


def test_the_javascript_check_refuses_the_same(tmp_path):
    installed = install_official_parser()
    sample = tmp_path / "messages.jsonl"
    sample.write_text("".join(json.dumps({"exchange": exchange, "headers": headers, "body": body}) + "\n" for
                              exchange, headers, body in [
                                  ("courses.events", HEADERS, BODY),
                                  ("courses.events", HEADERS, {**BODY, "correlation_id": "not-a-uuid"}),
                                  ("courses.events", {"event_type": "x.y"}, {**BODY, "payload": {"name": "a", "b": 1}}),
                                  ("roles.events", HEADERS, BODY)]))
    run = subprocess.run(["node", "validate_messages.mjs", str(asyncapi.DOCUMENT), str(sample)], cwd=installed,
                         capture_output=True, text=True, timeout=120)
    problems = [json.loads(line)["problem"] for line in run.stdout.splitlines()[:-1]]
    assert run.returncode == 1 and problems == [
        'payload/correlation_id must match format "uuid"', "payload/payload must NOT have additional properties",
        "headers/event_type must be equal to constant", "channel roles.events documents no method.added v1"], run.stdout
