"""HTTP request and response schemas of the roles service (OpenAPI is generated from these).

Requests carry plaintext; the contracts (contracts/roles.py) describe what is stored, sealed.
"""
import uuid

from marshmallow import Schema, ValidationError, fields, validate

from contracts.roles import ERASURE_BASES, SUPPORT_MODES, LocalFieldValues


class PersonNamed(fields.Field):
    """A person named in a description: `"Lene Leder"`, or `{"person_id": "<uuid>", "name": "Lene Leder"}`
    to name a person already known. A name alone keeps the person already in the field if the name is
    unchanged, else names a new person (a new id). Responses show `{"person_id", "name"}`."""

    _name = validate.Length(min=1, max=200)

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({
            "description": self.__doc__.split("\n")[0],
            "oneOf": [{"type": "string", "minLength": 1, "maxLength": 200},
                      {"type": "object", "required": ["name"], "properties": {
                          "person_id": {"type": "string", "format": "uuid"},
                          "name": {"type": "string", "minLength": 1, "maxLength": 200}}}]})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict) or set(value) - {"name", "person_id"} or not isinstance(value.get("name"), str):
            raise ValidationError("A name, or an object with name and optionally person_id.")
        name = value["name"].strip()
        self._name(name)
        person_id = value.get("person_id")
        if person_id is not None:
            try:
                person_id = str(uuid.UUID(str(person_id)))
            except ValueError:
                raise ValidationError("person_id: not a UUID.") from None
        return {"name": name, "person_id": person_id}


class LocalFields(LocalFieldValues):
    """Local fields as callers send them (plaintext names; the service seals them per person)."""

    nearest_leader = PersonNamed()
    mentor = PersonNamed()


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


class ErasePerson(Schema):
    basis = fields.String(load_default="data_subject_request", validate=validate.OneOf(ERASURE_BASES),
                          metadata={"description": "The legal basis of the erasure (recorded, nothing personal)"})


class ErasureReceipt(Schema):
    person_id = fields.String(attribute="subject")
    keys_destroyed = fields.Boolean()
    recorded = fields.Boolean(metadata={"description": "False when this person's erasure was recorded before"})
