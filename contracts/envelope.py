"""The envelope every event travels in, on the broker and in the event feed."""
import re

from marshmallow import fields, validate

from contracts.schema import Schema


# `<stream category>.<what happened>`: lower case, digits and underscores (`outcome.who5_distribution_reported`:
# WHO-5 is the index's name). `contracts.event` refuses a type this refuses, so no contract can publish one
# its consumers' `read_envelope` would dead-letter.
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")


class EnvelopeSchema(Schema):
    """Who, what, where and why of one event; `payload` is validated by the event's own contract."""

    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(EVENT_TYPE))
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    stream = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*-.+$"))
    stream_version = fields.Integer(required=True, validate=validate.Range(min=0))
    global_position = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    source_service = fields.String(required=True)
    instance_id = fields.String(required=True)
    actor = fields.String(required=True)
    correlation_id = fields.UUID(required=True)
    causation_id = fields.UUID(required=True, allow_none=True)
    payload = fields.Dict(required=True)


# One instance: building a schema (its fields) cost more per consumed event than validating with it, and
# validating keeps no state on the instance.
_ENVELOPE = EnvelopeSchema()


def read_envelope(body) -> dict:
    """Validate an envelope received from the broker or a feed and upcast its payload to the latest version.

    Raises `contracts.ContractError` for anything that does not match a contract.
    """
    from contracts.registry import ContractError, upcast

    if not isinstance(body, dict):
        raise ContractError("envelope", "must be a JSON object (content_type application/json)")
    errors = _ENVELOPE.validate(body)
    if errors:
        raise ContractError(", ".join(sorted(errors)), "envelope does not match its schema")
    version, payload = upcast(body["type"], body["schema_version"], body["payload"])
    return {**body, "schema_version": version, "payload": payload}
