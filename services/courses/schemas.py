"""HTTP request and response schemas of the courses service (OpenAPI is generated from these).

Request schemas take plaintext; personal values are sealed before they are stored. Response schemas
hold personal fields only where the endpoint reveals them to an allowed caller."""
from marshmallow import fields, validate, validates_schema, ValidationError

from contracts.schema import QuerySchema, Schema
from contracts.courses import (ATTENDANCE, COURSE_KINDS, PARTICIPANT_TYPES, SUPPORT_CLOSE_REASONS,
                               SUPPORT_SESSION_KINDS, WHO5_TIMINGS, WITHDRAWAL_REASONS, CompletionRule, Exercise,
                               Facilitation)

_Text = validate.Length(min=1, max=200)


class VersionedCommand(Schema):
    expected_version = fields.Integer(
        load_default=None, validate=validate.Range(min=0),
        metadata={"description": "The version the caller last read; a stale one is refused with 409."})


# -- methods and citizens -------------------------------------------------------------------------------
class AddMethod(Schema):
    name = fields.String(required=True, validate=_Text)
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class Method(Schema):
    id = fields.UUID()
    name = fields.String()
    description = fields.String()
    origin = fields.String(metadata={"description": "national (seeded) or local"})


class RegisterCitizen(Schema):
    name = fields.String(required=True, validate=_Text)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ChangeContact(VersionedCommand):
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    email = fields.Email(allow_none=True, validate=validate.Length(max=200))


class CitizenRecord(Schema):
    id = fields.UUID()
    name = fields.String(metadata={"special_category": "citizen_record"})
    phone = fields.String(allow_none=True, metadata={"special_category": "citizen_record"})
    email = fields.String(allow_none=True, metadata={"special_category": "citizen_record"})
    version = fields.Integer()
    registered_at = fields.DateTime()


# -- group courses --------------------------------------------------------------------------------------
class PlanGroupCourse(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(COURSE_KINDS))
    title = fields.String(required=True, validate=_Text)
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    method_ids = fields.List(fields.UUID(), load_default=list)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    completion_rule = fields.Nested(CompletionRule, required=True)
    facilitator_peer_ids = fields.List(fields.UUID(), load_default=list)


class ChangeCapacity(VersionedCommand):
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=500))


class AddFacilitator(VersionedCommand):
    peer_id = fields.UUID(required=True)


class ScheduleSession(VersionedCommand):
    title = fields.String(required=True, validate=_Text)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=_Text)
    programme = fields.String(load_default="", validate=validate.Length(max=8000))
    exercises = fields.List(fields.Nested(Exercise), load_default=list)
    facilitator_peer_ids = fields.List(fields.UUID(), load_default=list)


class RescheduleSession(VersionedCommand):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=_Text)


class SetProgramme(VersionedCommand):
    programme = fields.String(required=True, validate=validate.Length(max=8000))
    exercises = fields.List(fields.Nested(Exercise), required=True)


class Attendance(Schema):
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE))
    minutes_late = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1440))


class ParticipantAttendance(Attendance):
    participant_id = fields.UUID(required=True)


class RecordAttendance(VersionedCommand, Attendance):
    pass


class HoldSession(VersionedCommand):
    held_at = fields.AwareDateTime(load_default=None, metadata={"description": "Default: the scheduled start"})
    facilitations = fields.List(fields.Nested(Facilitation), load_default=None, metadata={
        "description": "Who held it and for how long; default: the session's facilitators, scheduled duration"})
    attendance = fields.List(fields.Nested(ParticipantAttendance), load_default=list)


class Enroll(VersionedCommand):
    participant_type = fields.String(required=True, validate=validate.OneOf(PARTICIPANT_TYPES))
    citizen_id = fields.UUID(load_default=None)
    peer_id = fields.UUID(load_default=None, metadata={"description": "When the participant is a peer"})

    @validates_schema
    def one_person(self, data, **kwargs):
        if (data.get("citizen_id") is None) == (data.get("peer_id") is None):
            raise ValidationError("give exactly one of citizen_id and peer_id", "citizen_id")


class Versioned(VersionedCommand):
    pass


class GiveFeedback(VersionedCommand):
    participant_id = fields.UUID(required=True)
    session_id = fields.UUID(load_default=None)
    rating = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    text = fields.String(required=True, validate=validate.Length(min=1, max=8000))
    interviewed_by = fields.UUID(load_default=None, metadata={
        "description": "Peer id of the interviewer; default: the calling peer"})


class RecordGroupWho5(VersionedCommand):
    participant_id = fields.UUID(required=True)
    timing = fields.String(required=True, validate=validate.OneOf(WHO5_TIMINGS))
    items = fields.List(fields.Integer(), required=True, metadata={"description": "Five answers, 0-5 each"})


class CancelCourse(VersionedCommand):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class SessionView(Schema):
    id = fields.UUID()
    title = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    place = fields.String()
    programme = fields.String()
    exercises = fields.List(fields.Nested(Exercise))
    facilitator_peer_ids = fields.List(fields.UUID())
    status = fields.String()
    held_at = fields.DateTime(allow_none=True)


class GroupCourseSummary(Schema):
    id = fields.UUID()
    kind = fields.String()
    title = fields.String()
    status = fields.String()
    capacity = fields.Integer()
    enrolled = fields.Integer()
    waitlisted = fields.Integer()
    version = fields.Integer()
    updated_at = fields.DateTime()


class GroupCourseDetail(GroupCourseSummary):
    description = fields.String()
    method_ids = fields.List(fields.UUID())
    completion_rule = fields.Nested(CompletionRule)
    facilitator_peer_ids = fields.List(fields.UUID())
    sessions = fields.List(fields.Nested(SessionView))


class ParticipantView(Schema):
    id = fields.UUID()
    participant_type = fields.String()
    citizen_id = fields.UUID(allow_none=True)
    peer_id = fields.UUID(allow_none=True)
    name = fields.String(allow_none=True, metadata={"description": "Only for the coordinator and facilitators",
                                                    "special_category": "citizen_record"})
    status = fields.String()
    waitlist_position = fields.Integer(allow_none=True)
    completed = fields.Boolean()
    sessions_attended = fields.Integer()
    sessions_expected = fields.Integer()
    meets_completion_rule = fields.Boolean()
    attendance = fields.Dict(keys=fields.String(), values=fields.String(),
                             metadata={"description": "session id -> present/absent/late/excused"})


class FeedbackView(Schema):
    id = fields.UUID()
    participant_id = fields.UUID()
    session_id = fields.UUID(allow_none=True)
    interviewed_by = fields.UUID()
    rating = fields.Integer(allow_none=True)
    text = fields.String(metadata={"description": "Only for the coordinator and the facilitators"})
    given_at = fields.DateTime()


class Who5Distribution(Schema):
    timing = fields.String()
    count = fields.Integer()
    buckets = fields.List(fields.Integer())
    below_50 = fields.Integer()


class Who5Score(Schema):
    respondent_id = fields.UUID()
    timing = fields.String()
    raw_score = fields.Integer()
    score = fields.Integer()


class Who5Overview(Schema):
    distributions = fields.List(fields.Nested(Who5Distribution))
    scores = fields.List(fields.Nested(Who5Score), metadata={
        "description": "Individual scores: only for the coordinator and the facilitators/matched peer"})


# -- individual support courses -------------------------------------------------------------------------
class OpenSupportCourse(Schema):
    citizen_id = fields.UUID(required=True)
    method_ids = fields.List(fields.UUID(), load_default=list)
    peer_id = fields.UUID(load_default=None, metadata={"description": "Match a peer at once"})


class MatchPeer(VersionedCommand):
    peer_id = fields.UUID(required=True)


class ReplaceMatch(VersionedCommand):
    peer_id = fields.UUID(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class SetGoal(VersionedCommand):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ChangeGoalStatus(VersionedCommand):
    status = fields.String(required=True, validate=validate.OneOf(("active", "reached", "dropped")))


class HoldSupportSession(VersionedCommand):
    kind = fields.String(required=True, validate=validate.OneOf(SUPPORT_SESSION_KINDS))
    held_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    note = fields.String(load_default="", validate=validate.Length(max=4000))
    peer_id = fields.UUID(load_default=None, metadata={"description": "Default: the calling peer"})


class RecordSupportWho5(VersionedCommand):
    timing = fields.String(required=True, validate=validate.OneOf(WHO5_TIMINGS))
    items = fields.List(fields.Integer(), required=True, metadata={"description": "Five answers, 0-5 each"})


class CloseSupportCourse(VersionedCommand):
    reason = fields.String(required=True, validate=validate.OneOf(SUPPORT_CLOSE_REASONS))
    evaluation = fields.String(required=True, validate=validate.Length(min=1, max=8000))


class GoalView(Schema):
    id = fields.UUID()
    text = fields.String()
    status = fields.String()
    set_at = fields.DateTime()


class SupportSessionView(Schema):
    id = fields.UUID()
    peer_id = fields.UUID()
    kind = fields.String()
    held_at = fields.DateTime()
    duration_minutes = fields.Integer()
    note = fields.String()
    withdrawn_reason = fields.String(allow_none=True,
                                     metadata={"description": "Set when withdrawn: it no longer counts"})


class WithdrawSession(VersionedCommand):
    reason = fields.String(required=True, validate=validate.OneOf(WITHDRAWAL_REASONS))


class MatchView(Schema):
    peer_id = fields.UUID()
    matched_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)


class SupportCourseSummary(Schema):
    id = fields.UUID()
    citizen_id = fields.UUID()
    peer_id = fields.UUID(allow_none=True)
    status = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class SupportCourseDetail(SupportCourseSummary):
    citizen_name = fields.String(metadata={"special_category": "citizen_record"})
    method_ids = fields.List(fields.UUID())
    close_reason = fields.String(allow_none=True)
    evaluation = fields.String(allow_none=True)
    matches = fields.List(fields.Nested(MatchView))
    goals = fields.List(fields.Nested(GoalView))
    sessions = fields.List(fields.Nested(SupportSessionView))
    who5 = fields.List(fields.Nested(Who5Score))


# -- reports ----------------------------------------------------------------------------------------------
class HoursQuery(QuerySchema):
    from_ = fields.Date(required=True, data_key="from", metadata={"description": "First day (YYYY-MM-DD)"})
    to = fields.Date(required=True, metadata={"description": "Last day (YYYY-MM-DD), not before from"})
    peer_id = fields.UUID(load_default=None, metadata={"description": "One peer (a peer: their own, the default)"})

    @validates_schema
    def ordered(self, data, **kwargs):
        if data["to"] < data["from_"]:
            raise ValidationError("must not be before from", "to")


class HoursRow(Schema):
    peer_id = fields.UUID()
    period = fields.String(metadata={"description": "YYYY-MM"})
    group_facilitation_minutes = fields.Integer()
    individual_session_minutes = fields.Integer()
    participation_minutes = fields.Integer()
    total_minutes = fields.Integer()
    total_hours = fields.Float()
    activities = fields.Integer(metadata={"description": "Sessions held (group and individual)"})


def _counts(description: str):
    return fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": description})


class CoursesStatistics(Schema):
    """Counts of the instance; erasing a person removes their data, not the facts counted here."""

    group_courses = _counts("Group courses per status, and total")
    participants = _counts("Group-course participants per status, and those who completed")
    support_courses = _counts("Individual support courses per status")
    citizens = _counts("Citizens ever registered (counted from the events: erased ones included)")


# -- the competence catalogue, course mappings, profiles and credentials -----------------------------------
class CatalogueVersion(Schema):
    module_version = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    learning_goals = fields.List(fields.String(), required=True)
    kind = fields.String(required=True)
    hours = fields.Float(required=True)
    received_at = fields.DateTime(required=True)


class CatalogueModule(CatalogueVersion):
    """A module of the national competence catalogue as this instance received it: its current version,
    with every version received (oldest first)."""

    module_id = fields.UUID(required=True)
    retired = fields.Boolean(required=True)
    versions = fields.List(fields.Nested(CatalogueVersion), required=True)


class MapCompetenceModules(VersionedCommand):
    module_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=20), metadata={
        "description": "every module the course counts toward (replaces the previous set; [] maps none)"})


class CourseCompetenceModules(Schema):
    course_id = fields.UUID(required=True)
    module_ids = fields.List(fields.UUID(), required=True)
    version = fields.Integer(required=True, metadata={"description": "the mapping's stream version"})


class CompetenceCompletion(Schema):
    completion_id = fields.UUID(required=True)
    person_id = fields.UUID(required=True)
    module_id = fields.UUID(required=True)
    module_version = fields.Integer(required=True, metadata={"description": "the version it was completed against"})
    title = fields.String(required=True)
    kind = fields.String(required=True)
    hours = fields.Float(required=True)
    completed_on = fields.Date(required=True)
    issuer_instance = fields.String(required=True, metadata={"description": "the instance where it was completed"})
    source = fields.String(required=True, metadata={"enum": ["course", "credential"]})


class CompetenceProfile(Schema):
    person_id = fields.UUID(required=True)
    completions = fields.List(fields.Nested(CompetenceCompletion), required=True)
    total_hours = fields.Float(required=True)


class Credential(Schema):
    """An Open Badges 3.0 credential secured as VC-JOSE (compact JWS, media type application/vc+jwt)."""

    format = fields.String(required=True, metadata={"enum": ["vc+jwt"]})
    jwt = fields.String(required=True, metadata={"description": "the signed credential, to present elsewhere"})
    credential = fields.Dict(required=True, metadata={"description": "the credential (the JWS payload) for reading"})


class ImportCredential(Schema):
    credential = fields.String(required=True, validate=validate.Length(min=1, max=20000),
                               metadata={"description": "an Open Badges 3.0 credential as a compact JWS (vc+jwt)"})
    consent = fields.Boolean(required=True, metadata={
        "description": "the person agrees that this instance records the completion (must be true)"})


class Jwk(Schema):
    kty = fields.String(required=True)
    crv = fields.String(required=True)
    x = fields.String(required=True)
    kid = fields.String(required=True)
    alg = fields.String(required=True)
    use = fields.String(required=True)


class Jwks(Schema):
    keys = fields.List(fields.Nested(Jwk), required=True)
