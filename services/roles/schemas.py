"""HTTP request and response schemas of the roles service (OpenAPI is generated from these).

Requests carry plaintext; the contracts (contracts/roles.py) describe what is stored, sealed.
"""
import uuid

from marshmallow import ValidationError, fields, validate

from contracts.schema import QuerySchema, Schema
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
                      {"type": "object", "required": ["name"], "additionalProperties": False, "properties": {
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


class Acknowledge(VersionedCommand):
    revision = fields.Integer(required=True, validate=validate.Range(min=1))


class FunctionDescriptionVersion(Schema):
    revision = fields.Integer()
    published_at = fields.DateTime()
    support_mode = fields.String()
    local_fields = fields.Dict()
    acknowledged_by = fields.Dict(metadata={"description": "party (peer, leader) -> person id"})
    reviewed = fields.Boolean(metadata={"description": "Both the peer and the leader acknowledged it"})


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


class RecordContact(VersionedCommand):
    email = fields.Email(required=True, validate=validate.Length(min=3, max=200))


class Contact(Schema):
    person_id = fields.UUID()
    email = fields.String(metadata={"description": "the address notifications are e-mailed to"})
    version = fields.Integer()
    updated_at = fields.AwareDateTime()


class ErasureReceipt(Schema):
    person_id = fields.String(attribute="subject")
    keys_destroyed = fields.Boolean()
    recorded = fields.Boolean(metadata={"description": "False when this person's erasure was recorded before"})


# -- peers ------------------------------------------------------------------------------------------
from contracts.roles import (  # noqa: E402
    CRIMINAL_RECORD_STATUSES, END_REASONS, ENDED_BY, PARTIES, PEER_KINDS, PEER_TITLES, WorkingTime)
from contracts.cpr import CprNumber  # noqa: E402

_text = lambda n: validate.Length(min=1, max=n)  # noqa: E731


class RegisterPeer(Schema):
    peer_id = fields.UUID(load_default=None, metadata={
        "description": "The peer's id (the `sub` of their token); a new id when not given"})
    kind = fields.String(required=True, validate=validate.OneOf(PEER_KINDS))
    title = fields.String(required=True, validate=validate.OneOf(PEER_TITLES))
    name = fields.String(required=True, validate=_text(200))
    workplace = fields.String(required=True, validate=_text(200))
    leader_id = fields.UUID(load_default=None)
    mentor_id = fields.UUID(load_default=None)
    function_description_id = fields.UUID(load_default=None)


class SetTerms(VersionedCommand):
    weekly_hours = fields.Float(required=True, validate=validate.Range(min=0, max=48))
    working_times = fields.List(fields.Nested(WorkingTime), required=True)
    break_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=120))


class Second(VersionedCommand):
    from_unit = fields.String(required=True, validate=_text(200))
    to_unit = fields.String(required=True, validate=_text(200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    personnel_leader_id = fields.UUID(required=True, metadata={
        "description": "The home unit's personnel leader, who keeps personnel matters"})


class RecordAccommodationNeeds(VersionedCommand):
    needs = fields.List(fields.String(validate=_text(500)), required=True)


class AccommodationAccess(Schema):
    person_id = fields.UUID(required=True)


class PeerSummary(Schema):
    id = fields.UUID()
    kind = fields.String()
    title = fields.String()
    name = fields.String()
    workplace = fields.String()
    leader_id = fields.UUID(allow_none=True)
    mentor_id = fields.UUID(allow_none=True)
    function_description_id = fields.UUID(allow_none=True)
    terms = fields.Dict(allow_none=True)
    secondments = fields.List(fields.Dict())
    agreement_status = fields.String(allow_none=True)
    version = fields.Integer()
    updated_at = fields.DateTime()


class AccommodationReaders(Schema):
    """The answer to recording accommodation needs or changing who reads them: not the needs (a read
    of them is audited; this answer is not a read)."""

    peer_id = fields.UUID()
    readers = fields.List(fields.UUID(), metadata={"description": "Persons the peer allowed to read them"})


class AccommodationNeeds(AccommodationReaders):
    needs = fields.List(fields.String(), metadata={"special_category": "accommodation_needs"})


def _plan_items(max_length: int = 500, description: str = ""):
    return fields.List(fields.String(validate=_text(max_length)), required=True, validate=validate.Length(max=30),
                       metadata={"description": description})


class RecordCrisisPlan(VersionedCommand):
    """The whole plan; it replaces the previous one. Each part a list of short texts (may be empty)."""

    warning_signs = _plan_items(description="Tegn på, at en krise nærmer sig")
    triggers = _plan_items(description="Hvad der kan udløse en krise")
    what_helps = _plan_items(description="Hvad der hjælper")
    whom_to_call = _plan_items(200, "Hvem der skal kontaktes, og hvordan")


class CrisisPlanReaders(AccommodationReaders):
    """The answer to recording a crisis plan or changing who reads it: no part of the plan."""

    recorded = fields.Boolean(metadata={"description": "Whether the peer has recorded a plan"})


class CrisisPlan(CrisisPlanReaders):
    warning_signs = fields.List(fields.String(), metadata={"special_category": "crisis_plan"})
    triggers = fields.List(fields.String(), metadata={"special_category": "crisis_plan"})
    what_helps = fields.List(fields.String(), metadata={"special_category": "crisis_plan"})
    whom_to_call = fields.List(fields.String(), metadata={"special_category": "crisis_plan"})


# -- volunteer agreements ---------------------------------------------------------------------------
class DraftAgreement(Schema):
    volunteer_id = fields.UUID(required=True, metadata={"description": "The volunteer's peer id"})
    coordinator_id = fields.UUID(load_default=None, metadata={"description": "Default: the caller"})
    project = fields.String(required=True, validate=_text(200))
    name = fields.String(required=True, validate=_text(200))
    address = fields.String(required=True, validate=_text(200))
    postcode = fields.String(required=True, validate=_text(10))
    city = fields.String(required=True, validate=_text(100))
    phone = fields.String(required=True, validate=_text(40))
    email = fields.Email(required=True, validate=_text(200))
    cpr = CprNumber(required=True)
    start_date = fields.Date(required=True)
    confidentiality_accepted = fields.Boolean(load_default=False)
    criminal_record_check = fields.String(load_default="not_requested",
                                          validate=validate.OneOf(CRIMINAL_RECORD_STATUSES))


class CriminalRecordCheck(VersionedCommand):
    status = fields.String(required=True, validate=validate.OneOf(CRIMINAL_RECORD_STATUSES))


class Dated(VersionedCommand):
    on = fields.Date(required=True, metadata={"description": "The day it happens (the request's now)"})


class Sign(Dated):
    party = fields.String(required=True, validate=validate.OneOf(PARTIES))


class AnnouncePause(Dated):
    pause_from = fields.Date(required=True)


class EndAgreement(Dated):
    ended_by = fields.String(required=True, validate=validate.OneOf(ENDED_BY))
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))


AGREEMENT_STATUSES = ("draft", "active", "paused", "ended")


class DescriptionsQuery(QuerySchema):
    workplace = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                              metadata={"description": "Only this workplace's function descriptions"})


class AsOfQuery(QuerySchema):
    as_of = fields.Date(load_default=None, metadata={"description": "The day to judge by (default today)"})


class AgreementsQuery(QuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(AGREEMENT_STATUSES),
                           metadata={"description": "Only agreements in this state (paused: the paused volunteers)"})


class AgreementDetails(Schema):
    project = fields.String()
    start_date = fields.String(metadata={"format": "date"})
    name = fields.String()
    address = fields.String()
    postcode = fields.String()
    city = fields.String()
    phone = fields.String()
    email = fields.String()
    cpr = CprNumber(metadata={"description": "Shown masked (DDMMYY-XXXX)"})


class Agreement(Schema):
    id = fields.UUID()
    volunteer_id = fields.UUID(allow_none=True, metadata={"description": "null once the volunteer was erased"})
    coordinator_id = fields.UUID(allow_none=True, metadata={"description": "null once the coordinator was erased"})
    status = fields.String()
    details = fields.Nested(AgreementDetails)
    confidentiality_accepted = fields.Boolean()
    criminal_record_check = fields.String()
    signatures = fields.Dict()
    active_from = fields.Date(allow_none=True)
    term_ends_on = fields.Date(allow_none=True)
    renewal_due_on = fields.Date(allow_none=True)
    pauses = fields.List(fields.Dict())
    ended = fields.Dict(allow_none=True)
    renewals = fields.List(fields.String(metadata={"format": "date"}),
                           metadata={"description": "Days of the renewal conversations"})
    statement_issued_on = fields.Date(allow_none=True)
    version = fields.Integer()
    updated_at = fields.DateTime()


class AgreementSummary(Schema):
    id = fields.UUID()
    volunteer_id = fields.UUID(allow_none=True, metadata={"description": "null once the volunteer was erased"})
    status = fields.String()
    active_from = fields.Date(allow_none=True)
    term_ends_on = fields.Date(allow_none=True)
    renewal_due_on = fields.Date(allow_none=True)
    renewal_raised_for = fields.Date(allow_none=True, metadata={"description": "The term end whose renewal was raised"})
    pause_from = fields.String(allow_none=True, metadata={"format": "date", "description": "An open pause's start"})


class EligibilitySchema(Schema):
    agreement_id = fields.UUID()
    volunteer_id = fields.UUID()
    as_of = fields.Date()
    eligible = fields.Boolean()
    active_days = fields.Integer()
    required_days = fields.Integer()
    activities = fields.Integer()
    activity_minutes = fields.Integer(metadata={"description": "minutes of the activities that count (hours)"})
    required_activities = fields.Integer()
    peer_education_completed = fields.Boolean()
    missing = fields.List(fields.Dict())


class StatementDocument(Schema):
    agreement_id = fields.UUID()
    issued_on = fields.Date()
    document = fields.String(metadata={"description": "The statement (udtalelse), Danish plain text"})


class Criterion(Schema):
    description = fields.String(required=True, validate=_text(500))
    target = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    measure = fields.String(load_default="manual", validate=validate.OneOf(("group_sessions_held", "manual")))


class AgreeTask(VersionedCommand):
    title = fields.String(required=True, validate=_text(500))
    success_criteria = fields.List(fields.Nested(Criterion), required=True, validate=validate.Length(min=1))


class Completion(Schema):
    task_id = fields.UUID(required=True)
    completion_percent = fields.Integer(required=True, validate=validate.Range(min=0, max=100))


class EvaluateMonth(VersionedCommand):
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="YYYY-MM"))
    tasks = fields.List(fields.Nested(Completion), required=True)
    days_expected = fields.Integer(required=True, validate=validate.Range(min=0, max=31))
    days_present = fields.Integer(required=True, validate=validate.Range(min=0, max=31))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class PeerTasks(Schema):
    peer_id = fields.UUID()
    group_sessions_held = fields.Integer(metadata={"description": "As the courses service reported them"})
    tasks = fields.List(fields.Dict())
    evaluations = fields.List(fields.Dict())


class ChangeAssignment(VersionedCommand):
    leader_id = fields.UUID(allow_none=True)
    mentor_id = fields.UUID(allow_none=True)
    function_description_id = fields.UUID(allow_none=True)


class PeerCounts(Schema):
    paid = fields.Integer()
    volunteer = fields.Integer()


class AgreementCounts(Schema):
    total = fields.Integer()
    draft = fields.Integer()
    active = fields.Integer()
    paused = fields.Integer()
    ended = fields.Integer()


class FunctionDescriptionCounts(Schema):
    total = fields.Integer()
    published = fields.Integer()


class RolesStatistics(Schema):
    """Counts of the instance; erasing a person removes their data, not the facts counted here."""

    function_descriptions = fields.Nested(FunctionDescriptionCounts)
    peers = fields.Nested(PeerCounts, metadata={"description": "Peers ever registered, erased ones included"})
    volunteer_agreements = fields.Nested(AgreementCounts)
