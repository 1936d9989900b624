"""HTTP request and response schemas of the network service (OpenAPI is generated from these).

Request schemas take plaintext; a sign-up's note is sealed before it is stored and shown only to the
peer, the meeting's facilitators and the coordinators. Peers appear by id only: names live in roles."""
from marshmallow import fields, validate

from contracts.schema import Schema
from contracts.network import (ATTENDANCE, CANCEL_REASONS, LEAVE_REASONS, MEETING_KINDS, MOVE_REASONS,
                               NETWORK_KINDS, PEER_KINDS, RESOURCE_KINDS, RESOURCE_TAGS, THEMES, AgendaItem,
                               Attendance, Schedule)

_Title = validate.Length(min=1, max=200)


class VersionedCommand(Schema):
    expected_version = fields.Integer(
        load_default=None, validate=validate.Range(min=0),
        metadata={"description": "The version the caller last read; a stale one is refused with 409."})


# -- networks -------------------------------------------------------------------------------------------
class CreateNetwork(Schema):
    name = fields.String(required=True, validate=_Title)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    kind = fields.String(required=True, validate=validate.OneOf(NETWORK_KINDS))
    facilitator_peer_ids = fields.List(fields.UUID(), load_default=list)


class Join(VersionedCommand):
    peer_id = fields.UUID(load_default=None, allow_none=True,
                          metadata={"description": "The joining peer; a peer's own id by default"})


class Leave(VersionedCommand):
    reason = fields.String(load_default="own_wish", validate=validate.OneOf(LEAVE_REASONS))


class AddFacilitator(VersionedCommand):
    peer_id = fields.UUID(required=True)


class NetworkSummary(Schema):
    id = fields.UUID()
    name = fields.String()
    purpose = fields.String()
    kind = fields.String()
    members = fields.Integer()
    version = fields.Integer()
    created_at = fields.DateTime()


class Member(Schema):
    peer_id = fields.UUID()
    peer_kind = fields.String(validate=validate.OneOf(PEER_KINDS))
    facilitator = fields.Boolean()
    joined_at = fields.DateTime()


class NetworkDetail(NetworkSummary):
    facilitator_peer_ids = fields.List(fields.UUID())
    paid_members = fields.Integer()
    volunteer_members = fields.Integer()


# -- meetings -------------------------------------------------------------------------------------------
class ScheduleMeeting(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    title = fields.String(required=True, validate=_Title)
    place = fields.String(required=True, validate=_Title)
    network_id = fields.UUID(load_default=None, allow_none=True)
    workplace = fields.String(load_default=None, allow_none=True, validate=_Title)
    facilitator_peer_ids = fields.List(fields.UUID(), load_default=list)
    invitee_peer_ids = fields.List(fields.UUID(), load_default=list)
    schedule = fields.Nested(Schedule, required=True)


class Invite(VersionedCommand):
    peer_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))


class MoveOccurrence(VersionedCommand):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.String(load_default=None, allow_none=True, validate=_Title)
    reason = fields.String(load_default="other", validate=validate.OneOf(MOVE_REASONS))


class Cancel(VersionedCommand):
    reason = fields.String(load_default="other", validate=validate.OneOf(CANCEL_REASONS))


class SetAgenda(VersionedCommand):
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(THEMES))
    agenda = fields.List(fields.Nested(AgendaItem), load_default=list, validate=validate.Length(max=30))


class SignUp(VersionedCommand):
    peer_id = fields.UUID(load_default=None, allow_none=True,
                          metadata={"description": "The peer signing up; a peer's own id by default"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000),
                         metadata={"description": "What the peer needs to take part (personal: sealed)"})


class Hold(VersionedCommand):
    held_at = fields.AwareDateTime(load_default=None, allow_none=True)
    duration_minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=1440))
    attendance = fields.List(fields.Nested(Attendance), load_default=list)


class RecordAttendance(VersionedCommand):
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE))


class SignUpView(Schema):
    peer_id = fields.UUID()
    note = fields.String(allow_none=True, metadata={"description": "Only for the peer, facilitators, coordinators"})
    signed_up_at = fields.DateTime()


class OccurrenceView(Schema):
    occurrence = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    place = fields.String()
    status = fields.String()
    theme = fields.String(allow_none=True)
    agenda = fields.List(fields.Nested(AgendaItem))
    held_at = fields.DateTime(allow_none=True)
    duration_minutes = fields.Integer(allow_none=True)
    signed_up = fields.Integer()
    attended = fields.Integer()


class ScheduleView(Schema):
    frequency = fields.String()
    starts_at = fields.String(metadata={"description": "the first occurrence (ISO 8601, as given)"})
    duration_minutes = fields.Integer()
    interval = fields.Integer()
    monthly_by = fields.String()
    count = fields.Integer(allow_none=True)
    until = fields.String(allow_none=True)


class MeetingDetail(Schema):
    id = fields.UUID()
    kind = fields.String()
    title = fields.String()
    place = fields.String()
    network_id = fields.UUID(allow_none=True)
    workplace = fields.String(allow_none=True)
    facilitator_peer_ids = fields.List(fields.UUID())
    invitee_peer_ids = fields.List(fields.UUID())
    schedule = fields.Nested(ScheduleView)
    status = fields.String()
    version = fields.Integer()
    occurrences = fields.List(fields.Nested(OccurrenceView))


class MeetingSummary(Schema):
    id = fields.UUID()
    kind = fields.String()
    title = fields.String()
    network_id = fields.UUID(allow_none=True)
    workplace = fields.String(allow_none=True)
    status = fields.String()
    next_starts_at = fields.DateTime(allow_none=True)


class OccurrenceDetail(OccurrenceView):
    sign_ups = fields.List(fields.Nested(SignUpView))
    attendance = fields.List(fields.Nested(Attendance))


# -- resources ------------------------------------------------------------------------------------------
class ShareResource(Schema):
    title = fields.String(required=True, validate=_Title)
    kind = fields.String(required=True, validate=validate.OneOf(RESOURCE_KINDS))
    url = fields.Url(load_default=None, allow_none=True, schemes={"https", "http"})
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=20000))
    tags = fields.List(fields.String(validate=validate.OneOf(RESOURCE_TAGS)), load_default=list)
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(THEMES))


class ResourceView(Schema):
    id = fields.UUID()
    network_id = fields.UUID()
    title = fields.String()
    kind = fields.String()
    url = fields.String(allow_none=True)
    text = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    theme = fields.String(allow_none=True)
    shared_by = fields.UUID()
    status = fields.String()
    offered_on = fields.Date(allow_none=True)
    version = fields.Integer()
    shared_at = fields.DateTime()


class Versioned(VersionedCommand):
    pass


# -- national events --------------------------------------------------------------------------------------
from contracts.national import ProgrammeEntry  # noqa: E402


class AnnouncedNationalEvent(Schema):
    id = fields.UUID()
    title = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    place = fields.String()
    capacity = fields.Integer()
    themes = fields.List(fields.String(validate=validate.OneOf(THEMES)))
    programme = fields.List(fields.Nested(ProgrammeEntry))
    announced_at = fields.DateTime()


class NationalSignUpCommand(Schema):
    peer_id = fields.UUID(load_default=None, allow_none=True,
                          metadata={"description": "The peer signing up; a peer's own id by default"})


class NationalSignUp(Schema):
    id = fields.UUID()
    national_event_id = fields.UUID()
    peer_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(("requested", "accepted", "waitlisted", "withdrawn", "cancelled")),
                           metadata={"description": "requested: sent to the national instance, no answer yet"})
    position = fields.Integer(allow_none=True, metadata={"description": "on the waitlist: 1 = next to get a place"})
    attended = fields.Boolean()
    updated_at = fields.DateTime()


# -- statistics ---------------------------------------------------------------------------------------------
class NetworkCounts(Schema):
    network_id = fields.UUID()
    name = fields.String()
    kind = fields.String(validate=validate.OneOf(NETWORK_KINDS))
    paid_members = fields.Integer()
    volunteer_members = fields.Integer()
    meetings_held = fields.Integer(metadata={"description": "occurrences of the network's meetings held"})
    attendance = fields.Integer(metadata={"description": "peers present, summed over the occurrences held"})


class InstanceCounts(Schema):
    networks = fields.Integer()
    paid_members = fields.Integer(metadata={"description": "memberships (a peer in two networks counts twice)"})
    volunteer_members = fields.Integer()
    meetings_held = fields.Integer(metadata={"description": "every meeting's occurrences held (workplace ones too)"})
    attendance = fields.Integer()


class NetworkStatistics(Schema):
    """Counts of the instance, for its staff."""

    networks = fields.List(fields.Nested(NetworkCounts))
    totals = fields.Nested(InstanceCounts)
