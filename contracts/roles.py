"""Events of the roles service: function descriptions (funktionsbeskrivelser) and persons' erasure.

Personal fields are declared with `contracts.personal.Personal` and stored sealed per person (see
contracts/personal.py, runtime/vault.py). `function_description.local_fields_filled` v1 was changed in
place before its first release (nearest leader and mentor became person references with sealed names
instead of plain strings): no event of the earlier shape was ever stored, so no upcaster is needed.
From the first release on, a contract change is a new version with an upcaster.
"""
from marshmallow import Schema, fields, validate

from contracts.personal import PersonRef
from contracts.registry import event

SUPPORT_MODES = ("individual", "group", "both")
ERASURE_BASES = ("data_subject_request", "retention_expired", "other_legal_basis")


@event("function_description.adopted", 1)
class FunctionDescriptionAdopted(Schema):
    """A workplace adopted the national template of the function description (funktionsbeskrivelse)."""

    template_id = fields.String(required=True)
    template_version = fields.Integer(required=True, validate=validate.Range(min=1))
    workplace = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))


class LocalFieldValues(Schema):
    """Local fields as stored: people are references to persons with their names sealed by person."""

    organisational_placement = fields.String(validate=validate.Length(max=500))
    nearest_leader = fields.Nested(PersonRef)
    mentor = fields.Nested(PersonRef)
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

    fields_ = fields.Nested(LocalFieldValues, required=True, data_key="fields")


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


@event("function_description.shared_nationally", 1, national=True)
class FunctionDescriptionSharedNationally(Schema):
    """What the national level learns when a description is published: which national template, which
    support mode, which revision. No workplace, no person: it counts the spread of the common function
    description across instances (the national picture peers and national coordinators asked for)."""

    template_id = fields.String(required=True, metadata={"national_safe": "id of a national template"})
    template_version = fields.Integer(required=True, validate=validate.Range(min=1))
    support_mode = fields.String(required=True, validate=validate.OneOf(SUPPORT_MODES))
    revision = fields.Integer(required=True, validate=validate.Range(min=1))


@event("person.erased", 1)
class PersonErased(Schema):
    """A person was erased in this instance: their key is destroyed (everything sealed with it is unreadable)
    and every service forgets their read-model rows. The stream `person-<id>` names the person; the
    payload holds nothing about them. Never national: the stream id is the person id."""

    basis = fields.String(required=True, validate=validate.OneOf(ERASURE_BASES))
    keys_destroyed = fields.Boolean(required=True,
                                    metadata={"description": "False when no key existed (nothing was sealed)"})
