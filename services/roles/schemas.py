"""HTTP request and response schemas of the roles service (OpenAPI is generated from these)."""
from marshmallow import Schema, fields, validate

from contracts.roles import SUPPORT_MODES, LocalFields


class VersionedCommand(Schema):
    expected_version = fields.Integer(
        load_default=None, validate=validate.Range(min=0),
        metadata={"description": "The version the caller last read; a stale one is refused with 409."})


class AdoptFunctionDescription(Schema):
    workplace = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class FillLocalFields(VersionedCommand):
    fields_ = fields.Nested(LocalFields, required=True, data_key="fields")


class DecideSupportMode(VersionedCommand):
    support_mode = fields.String(required=True, validate=validate.OneOf(SUPPORT_MODES))


class Publish(VersionedCommand):
    pass


class FunctionDescriptionSummary(Schema):
    id = fields.UUID()
    workplace = fields.String()
    title = fields.String()
    status = fields.String()
    support_mode = fields.String(allow_none=True)
    revision = fields.Integer()
    version = fields.Integer()
    updated_at = fields.DateTime()


class FunctionDescriptionDetail(FunctionDescriptionSummary):
    template_id = fields.String()
    template_version = fields.Integer()
    local_fields = fields.Dict()
    missing_for_publication = fields.List(fields.String())
    template = fields.Dict(metadata={"description": "The national template's text this description adopts"})
