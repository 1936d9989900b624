"""Events of the roles service: function descriptions (funktionsbeskrivelser) and persons' erasure.

Personal fields are declared with `contracts.personal.Personal` and stored sealed per person (see
contracts/personal.py, runtime/privacy/vault.py). `function_description.local_fields_filled` v1 was changed in
place before its first release (nearest leader and mentor became person references with sealed names
instead of plain strings): no event of the earlier shape was ever stored, so no upcaster is needed.
From the first release on, a contract change is a new version with an upcaster.
"""
from marshmallow import fields, validate

from contracts.schema import Schema
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


@event("function_description.revision_acknowledged", 1)
class RevisionAcknowledged(Schema):
    """The peer or the leader acknowledged a published revision after reviewing it together."""

    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    party = fields.String(required=True, validate=validate.OneOf(("peer", "leader")))
    person_id = fields.UUID(required=True)


@event("function_description.revision_reviewed", 1)
class RevisionReviewed(Schema):
    """Both the peer and the leader acknowledged the revision: reviewed together."""

    revision = fields.Integer(required=True, validate=validate.Range(min=1))


@event("person.erased", 1)
class PersonErased(Schema):
    """A person was erased in this instance: their key is destroyed (everything sealed with it is unreadable)
    and every service forgets their read-model rows. The stream `person-<id>` names the person; the
    payload holds nothing about them. Never national: the stream id is the person id."""

    basis = fields.String(required=True, validate=validate.OneOf(ERASURE_BASES))
    keys_destroyed = fields.Boolean(required=True,
                                    metadata={"description": "False when no key existed (nothing was sealed)"})


# -- peers ------------------------------------------------------------------------------------------
from contracts.personal import STREAM, Personal  # noqa: E402
from contracts.cpr import CprNumber  # noqa: E402

PEER_KINDS = ("paid", "volunteer")
# The aliases of DOMAIN.md "Who is who": one role, many local titles.
PEER_TITLES = ("peer-støttemedarbejder", "peer-medarbejder", "recoverymentor", "vendepunktinstruktør",
               "udskrivningsguide", "medarbejder med brugererfaring", "frivillig peer")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="a time of day HH:MM")


@event("peer.registered", 1)
class PeerRegistered(Schema):
    """A peer (paid or volunteer) joined the instance. Stream `peer-<peer id>`: the id is the `sub` of
    the peer's token. Leader and mentor are person ids (a leader's token subject)."""

    kind = fields.String(required=True, validate=validate.OneOf(PEER_KINDS))
    title = fields.String(required=True, validate=validate.OneOf(PEER_TITLES))
    name = Personal(fields.String(validate=validate.Length(min=1, max=200)), subject=STREAM, required=True)
    workplace = fields.String(required=True, validate=validate.Length(min=1, max=200))
    leader_id = fields.UUID(load_default=None, allow_none=True)
    mentor_id = fields.UUID(load_default=None, allow_none=True)
    function_description_id = fields.UUID(load_default=None, allow_none=True)


@event("peer_kind.registered", 1, national=True)
class PeerKindRegistered(Schema):
    """What the national level learns when a peer is registered: their kind, nothing else (no title, no
    workplace, no name). Stream `peer_kind-<peer id>` (pseudonymised when it leaves the instance); dated by
    when it was registered. Counts peers by region and kind nationally (issue 12)."""

    kind = fields.String(required=True, validate=validate.OneOf(PEER_KINDS))


@event("peer.assignment_changed", 1)
class PeerAssignmentChanged(Schema):
    """A new leader, mentor or function description for the peer (the given fields change)."""

    leader_id = fields.UUID(allow_none=True)
    mentor_id = fields.UUID(allow_none=True)
    function_description_id = fields.UUID(allow_none=True)


class WorkingTime(Schema):
    weekday = fields.String(required=True, validate=validate.OneOf(WEEKDAYS))
    starts = fields.String(required=True, validate=CLOCK)
    ends = fields.String(required=True, validate=CLOCK)


@event("peer.terms_set", 1)
class PeerTermsSet(Schema):
    """Employment terms: weekly hours (a paid position needs the template's minimum), fixed days and times,
    breaks (Parkvænget: Tue–Thu 10–15 with a 15-minute break)."""

    weekly_hours = fields.Float(required=True, validate=validate.Range(min=0, max=48))
    working_times = fields.List(fields.Nested(WorkingTime), required=True)
    break_minutes = fields.Integer(required=True, validate=validate.Range(min=0, max=120))


@event("peer.seconded", 1)
class PeerSeconded(Schema):
    """The peer is seconded from their home unit to another for a period; the home unit's personnel leader
    keeps personnel matters."""

    from_unit = fields.String(required=True, validate=validate.Length(min=1, max=200))
    to_unit = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    personnel_leader_id = fields.UUID(required=True)


@event("peer.accommodation_needs_recorded", 1)
class AccommodationNeedsRecorded(Schema):
    """The peer's accommodation needs (skånebehov): health-related, sealed with the peer's key."""

    needs = Personal(fields.List(fields.String(validate=validate.Length(min=1, max=500))), subject=STREAM,
                     required=True)


@event("peer.accommodation_access_granted", 1)
class AccommodationAccessGranted(Schema):
    """The peer allowed a person (by id) to read their accommodation needs."""

    person_id = fields.UUID(required=True)


@event("peer.accommodation_access_revoked", 1)
class AccommodationAccessRevoked(Schema):
    person_id = fields.UUID(required=True)


def _plan_items(max_length: int = 500):
    """A list of short texts of the peer's own crisis plan, sealed with the peer's key."""
    return Personal(fields.List(fields.String(validate=validate.Length(min=1, max=max_length)),
                                validate=validate.Length(max=30)), subject=STREAM, required=True)


@event("peer.crisis_plan_recorded", 1)
class CrisisPlanRecorded(Schema):
    """The peer's own crisis plan (seed 000, self-care), replacing the previous one: what tells ordinary
    bumps from an approaching crisis. Health data, each part sealed with the peer's key; readable only
    by the peer and whom the peer allowed (`peer.crisis_plan_access_granted`)."""

    warning_signs = _plan_items()
    triggers = _plan_items()
    what_helps = _plan_items()
    whom_to_call = _plan_items(200)  # names and numbers of the people the peer wants called


@event("peer.crisis_plan_access_granted", 1)
class CrisisPlanAccessGranted(AccommodationAccessGranted):
    """The peer allowed a person (by id) to read their crisis plan."""


@event("peer.crisis_plan_access_revoked", 1)
class CrisisPlanAccessRevoked(AccommodationAccessRevoked):
    """The peer withdrew a person's access to their crisis plan."""


TASK_MEASURES = ("group_sessions_held", "manual")


class SuccessCriterion(Schema):
    criterion_id = fields.UUID(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=500))
    target = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    measure = fields.String(required=True, validate=validate.OneOf(TASK_MEASURES), metadata={
        "description": "group_sessions_held: counted from the courses service's reports; manual: evaluated"})


@event("peer.task_agreed", 1)
class TaskAgreed(Schema):
    """A concrete task agreed with the peer, with its success criteria (Parkvænget: 3 workshops)."""

    task_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    success_criteria = fields.List(fields.Nested(SuccessCriterion), required=True, validate=validate.Length(min=1))


class TaskCompletion(Schema):
    task_id = fields.UUID(required=True)
    completion_percent = fields.Integer(required=True, validate=validate.Range(min=0, max=100))


@event("peer.monthly_evaluation_held", 1)
class MonthlyEvaluationHeld(Schema):
    """The monthly evaluation of the agreed tasks, their completion, and attendance."""

    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))
    tasks = fields.List(fields.Nested(TaskCompletion), required=True)
    days_expected = fields.Integer(required=True, validate=validate.Range(min=0, max=31))
    days_present = fields.Integer(required=True, validate=validate.Range(min=0, max=31))
    note = Personal(fields.String(validate=validate.Length(max=4000)), subject=STREAM, load_default=None,
                    allow_none=True)


# -- volunteer agreements ---------------------------------------------------------------------------
CRIMINAL_RECORD_STATUSES = ("not_requested", "requested", "clean", "remarks")
PARTIES = ("volunteer", "coordinator")
ENDED_BY = ("volunteer", "organisation")
END_REASONS = ("volunteer_wish", "confidentiality_breach", "inactive", "project_ended", "other")


def _personal_text(max_length: int):
    return Personal(fields.String(validate=validate.Length(min=1, max=max_length)), subject="volunteer_id",
                    required=True)


@event("volunteer_agreement.drafted", 1)
class VolunteerAgreementDrafted(Schema):
    """A volunteer agreement (frivilligaftale, seed 003) with the seed's fields; not active until both sign.
    Stream `volunteer_agreement-<agreement id>`; `volunteer_id` is the volunteer's peer id."""

    volunteer_id = fields.UUID(required=True)
    coordinator_id = fields.UUID(required=True)
    project = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = _personal_text(200)
    address = _personal_text(200)
    postcode = _personal_text(10)
    city = _personal_text(100)
    phone = _personal_text(40)
    email = _personal_text(200)
    cpr = Personal(CprNumber(), subject="volunteer_id", required=True)
    start_date = fields.Date(required=True)
    confidentiality_accepted = fields.Boolean(required=True)
    criminal_record_check = fields.String(required=True, validate=validate.OneOf(CRIMINAL_RECORD_STATUSES))


@event("volunteer_agreement.criminal_record_check_updated", 1)
class CriminalRecordCheckUpdated(Schema):
    status = fields.String(required=True, validate=validate.OneOf(CRIMINAL_RECORD_STATUSES))


@event("volunteer_agreement.confidentiality_accepted", 1)
class ConfidentialityAccepted(Schema):
    accepted_on = fields.Date(required=True)


@event("volunteer_agreement.signed", 1)
class VolunteerAgreementSigned(Schema):
    """One party signed and dated the agreement."""

    party = fields.String(required=True, validate=validate.OneOf(PARTIES))
    signed_by = fields.UUID(required=True)
    signed_on = fields.Date(required=True)


@event("volunteer_agreement.activated", 1)
class VolunteerAgreementActivated(Schema):
    """Both signed: the agreement runs half a year at a time from `active_from`."""

    active_from = fields.Date(required=True)
    term_ends_on = fields.Date(required=True)


@event("agreement_term.reported", 1, national=True)
class AgreementTermReported(Schema):
    """For the national count of active volunteer agreements by month (issue 12): the span an agreement
    runs, nothing else (no volunteer, no coordinator, no project). Stream `agreement_term-<agreement id>`
    (pseudonymised when it leaves the instance), reported again when the span changes: at activation (its
    first half-year term), at each renewal (the span reaches the new term's end) and at the end (the span
    stops on the day it ended). The latest report of a stream counts. A pause does not end the span."""

    active_from = fields.Date(required=True)
    active_until = fields.Date(required=True, metadata={
        "description": "the day the span stops (exclusive): the current term's end, or the day it ended"})


@event("volunteer_agreement.renewal_due_raised", 1)
class RenewalDueRaised(Schema):
    """Ahead of the end of the half year (30 days): the renewal conversation is due."""

    raised_on = fields.Date(required=True)
    term_ends_on = fields.Date(required=True)


@event("volunteer_agreement.renewed", 1)
class VolunteerAgreementRenewed(Schema):
    """The renewal conversation reconfirmed the agreement for another half year."""

    conversation_on = fields.Date(required=True)
    term_ends_on = fields.Date(required=True)


@event("volunteer_agreement.pause_announced", 1)
class PauseAnnounced(Schema):
    """The volunteer announced a pause ahead of it; paused days do not count as active."""

    announced_on = fields.Date(required=True)
    pause_from = fields.Date(required=True)


@event("volunteer_agreement.resumed", 1)
class VolunteerResumed(Schema):
    resumed_on = fields.Date(required=True)


@event("volunteer_agreement.ended", 1)
class VolunteerAgreementEnded(Schema):
    """Either party ended the collaboration, with a reason."""

    ended_by = fields.String(required=True, validate=validate.OneOf(ENDED_BY))
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))
    ended_on = fields.Date(required=True)


@event("volunteer_agreement.statement_issued", 1)
class StatementIssued(Schema):
    """A statement (udtalelse) was produced for an eligible volunteer."""

    issued_on = fields.Date(required=True)
    active_days = fields.Integer(required=True, validate=validate.Range(min=0))
    activities = fields.Integer(required=True, validate=validate.Range(min=0))


# -- what roles learnt from the courses service, kept in its own store (rebuilds equal live) ---------
@event("volunteer.activity_counted", 1)
class VolunteerActivityCounted(Schema):
    """A volunteer activity reported by the courses service (`peer_activity.session_held`) or the network
    service (`network_activity.attended`: a meeting attended).
    Stream `volunteer-<peer id>`."""

    activity_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.Length(min=1, max=50))
    held_at = fields.AwareDateTime(required=True)
    source_event_id = fields.UUID(required=True)


@event("volunteer.activity_counted", 2, upcast_from_previous=lambda p: {**p, "duration_minutes": None})
class VolunteerActivityCountedV2(VolunteerActivityCounted):
    """A volunteer activity with its length, for the volunteer's hours: a session held (courses'
    `peer_activity.session_held`) or a meeting attended (network's `network_activity.attended`).
    Stream `volunteer-<peer id>`. v1 events, stored before lengths were kept, have none (null)."""

    duration_minutes = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=1, max=1440))


@event("volunteer.activity_withdrawn", 1)
class VolunteerActivityWithdrawn(Schema):
    activity_id = fields.UUID(required=True)
    source_event_id = fields.UUID(required=True)


@event("volunteer.peer_education_completed", 1)
class VolunteerPeerEducationCompleted(Schema):
    """The courses service reported the peer's completed peer education (`peer_education.completed`)."""

    course_id = fields.UUID(required=True)
    completed_on = fields.Date(required=True)
    source_event_id = fields.UUID(required=True)


@event("volunteer.statement_eligibility_reached", 1)
class StatementEligibilityReached(Schema):
    """The volunteer first met seed 003's rule for a statement (udtalelse) under an agreement: active at
    least half a year, at least 10 counted volunteer activities, the peer education completed. Emitted
    once per agreement, when a counted activity (courses or network: `volunteer.activity_counted`) or
    the completed peer education is recorded and the rule holds as of that fact's day. Stream
    `volunteer-<peer id>`; counts and dates only (for the coordinator's notice)."""

    agreement_id = fields.UUID(required=True)
    reached_on = fields.Date(required=True, metadata={"description": "the day of the fact that met the rule"})
    activities = fields.Integer(required=True, validate=validate.Range(min=0))
    active_days = fields.Integer(required=True, validate=validate.Range(min=0))
    source_event_id = fields.UUID(required=True)


# -- contact data of persons who have no volunteer agreement (paid peers, leaders, coordinators) ----------
@event("contact.email_recorded", 1)
class ContactEmailRecorded(Schema):
    """A person's e-mail address for notifications, recorded by themselves (or an admin). Stream
    `contact-<person id>`; the address is sealed with the person's key, so an erasure shreds it. Roles
    answers it over RPC (`roles.email_of`) when the notifications service sends; it is never copied."""

    email = Personal(fields.Email(validate=validate.Length(min=3, max=200)), subject=STREAM, required=True)
