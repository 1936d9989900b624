"""Events of the roles service: function descriptions (funktionsbeskrivelser)."""
from marshmallow import Schema, fields, validate

from contracts.registry import event

SUPPORT_MODES = ("individual", "group", "both")


class PersonalString(fields.String):
    """A string about an identifiable person: encrypted per person, never leaves the instance."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})["personal"] = True
        super().__init__(**kwargs)


@event("function_description.adopted", 1)
class FunctionDescriptionAdopted(Schema):
    """A workplace adopted the national template of the function description (funktionsbeskrivelse)."""

    template_id = fields.String(required=True)
    template_version = fields.Integer(required=True, validate=validate.Range(min=1))
    workplace = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))


class LocalFields(Schema):
    organisational_placement = fields.String(validate=validate.Length(max=500))
    nearest_leader = PersonalString(validate=validate.Length(max=200))
    mentor = PersonalString(validate=validate.Length(max=200))
    internal_partners = fields.List(fields.String(validate=validate.Length(min=1, max=200)))
    external_partners = fields.List(fields.String(validate=validate.Length(min=1, max=200)))
    special_qualifications = fields.List(fields.String(validate=validate.Length(min=1, max=500)))
    special_competences = fields.List(fields.String(validate=validate.Length(min=1, max=500)))
    special_responsibilities = fields.List(fields.String(validate=validate.Length(min=1, max=500)))
    special_tasks = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["1", "2", "3", "4", "5"])),
        values=fields.List(fields.String(validate=validate.Length(min=1, max=500))),
    )


@event("function_description.local_fields_filled", 1)
class LocalFieldsFilled(Schema):
    """Local fields ('[Udfyldes lokalt]') were filled or changed; only the fields given change."""

    fields_ = fields.Nested(LocalFields, required=True, data_key="fields")


@event("function_description.support_mode_decided", 1)
class SupportModeDecided(Schema):
    """Decided locally: individual peer support, group courses, or both (the template's footnote)."""

    support_mode = fields.String(required=True, validate=validate.OneOf(SUPPORT_MODES))


@event("function_description.published", 1)
class FunctionDescriptionPublished(Schema):
    """The description is in force at the workplace; `revision` counts publications."""

    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    workplace = fields.String(required=True)
    support_mode = fields.String(required=True, validate=validate.OneOf(SUPPORT_MODES))
