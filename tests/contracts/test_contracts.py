"""Contracts: validation on write and read, upcasting of old versions, clear errors, AsyncAPI up to date."""
import uuid

import pytest
from marshmallow import Schema, fields

import contracts
from contracts import asyncapi, registry
from contracts.envelope import read_envelope


@pytest.fixture
def probe_contracts():
    """A throwaway event type with two versions; removed again so nothing else sees it."""
    before = (dict(registry._contracts), dict(registry._upcasters))

    @contracts.event("function_description.probed", 1)
    class ProbedV1(Schema):
        name = fields.String(required=True)

    @contracts.event("function_description.probed", 2,
                     upcast_from_previous=lambda p: {"given_name": p["name"], "source": "v1"})
    class ProbedV2(Schema):
        given_name = fields.String(required=True)
        source = fields.String(required=True)

    yield
    registry._contracts, registry._upcasters = before


def envelope(type_="function_description.support_mode_decided", version=1, payload=None):
    return {
        "event_id": str(uuid.uuid4()), "type": type_, "schema_version": version,
        "stream": f"function_description-{uuid.uuid4()}", "stream_version": 0, "global_position": 1,
        "occurred_at": "2026-11-22T10:00:00+00:00", "source_service": "roles", "instance_id": "region-1084",
        "actor": "user-1", "correlation_id": str(uuid.uuid4()), "causation_id": None,
        "payload": {"support_mode": "both"} if payload is None else payload,
    }


def test_old_versions_are_upcast_on_read(probe_contracts):
    assert contracts.upcast("function_description.probed", 1, {"name": "x"}) == (
        2, {"given_name": "x", "source": "v1"})
    read = read_envelope(envelope("function_description.probed", 1, {"name": "x"}))
    assert read["schema_version"] == 2 and read["payload"]["given_name"] == "x"


def test_a_new_version_without_upcaster_is_refused():
    with pytest.raises(ValueError, match="upcaster"):
        @contracts.event("function_description.unlifted", 2)
        class Unlifted(Schema):
            pass


def test_unknown_type_or_version_is_a_clear_error_not_a_crash():
    with pytest.raises(contracts.UnknownEventType) as unknown:
        read_envelope(envelope("function_description.vanished"))
    assert unknown.value.field == "type" and "vanished" in unknown.value.reason
    with pytest.raises(contracts.UnknownSchemaVersion) as version:
        read_envelope(envelope(version=9))
    assert version.value.field == "schema_version"


def test_invalid_envelopes_and_payloads_name_the_field():
    with pytest.raises(contracts.InvalidPayload) as invalid:
        read_envelope(envelope(payload={"support_mode": "sometimes"}))
    assert invalid.value.field == "payload.support_mode"
    broken = envelope()
    del broken["correlation_id"]
    with pytest.raises(contracts.ContractError) as missing:
        read_envelope(broken)
    assert missing.value.field == "correlation_id"
    with pytest.raises(contracts.ContractError) as text:
        read_envelope('{"a json string, as nameko hands over text/plain bodies": 1}')
    assert text.value.field == "envelope"


def test_personal_fields_are_found_by_their_wire_names():
    schema = contracts.contract("function_description.local_fields_filled", 1).schema
    assert contracts.personal_fields(schema) == ["fields.nearest_leader.name", "fields.mentor.name"]


def test_asyncapi_document_is_up_to_date():
    assert asyncapi.DOCUMENT.read_text() == asyncapi.render(), (
        "contracts/asyncapi.json is stale: run `python -m contracts.asyncapi > contracts/asyncapi.json`")
    document = asyncapi.document()
    for c in contracts.all_contracts():
        assert f"{c.type}.v{c.version}" in document["components"]["messages"]
