"""Events of the network service: peer networks and their members, meetings (network meetings, group
supervision, sparring and development meetings) with schedules, sign-ups and attendance, shared
resources, and the facts it publishes for other services and the national level.

Categories other services consume (their streams hold nothing else):
- `network_activity`  a peer attended a meeting (roles: volunteer activities, statement eligibility)
- `meeting_notice`    a meeting was scheduled, changed or cancelled; a peer signed up or withdrew
                      (notifications: invitations, reminders, confirmations)
- `network_size`, `meeting_report`, `national_resource`  national: counts, enumerations, public links

Members are peers by id (the roles service's peer id, never a copy of their personal data); what the
network service knows of a peer is the kind (paid or volunteer) roles reported (`network_peer`).
A sign-up's note (e.g. what the peer needs to take part) is personal: sealed with the peer's key.
"""
from marshmallow import fields, validate

from contracts.schema import Schema
from contracts.personal import Personal
from contracts.registry import event
from contracts.courses import PSEUDONYM_PATTERN

NETWORK_KINDS = ("regional", "workplace", "theme")
PEER_KINDS = ("paid", "volunteer")
LEAVE_REASONS = ("own_wish", "left_workplace", "removed_by_coordinator", "other")
MEETING_KINDS = ("network_meeting", "group_supervision", "sparring_meeting", "development_meeting")
# Seed 001's themes of the monthly sparring meetings (Socialstyrelsen 2016: 16), then others.
SPARRING_THEMES = ("relations_and_boundaries", "sharing_experience", "self_determination", "wellbeing_at_work",
                   "stress_triggers")
THEMES = SPARRING_THEMES + ("practice_in_focus", "recovery_chime", "methods_and_tools", "peer_role", "other")
FREQUENCIES = ("once", "weekly", "monthly")
MONTHLY_BY = ("day_of_month", "weekday_of_month")
ATTENDANCE = ("present", "absent", "excused")
MOVE_REASONS = ("clash", "illness", "venue", "other")
CANCEL_REASONS = ("too_few_signed_up", "facilitator_absent", "holiday", "venue", "other")
ACTIVITY_WITHDRAWAL_REASONS = ("attendance_corrected",)
RESOURCE_KINDS = ("link", "text")
RESOURCE_TAGS = ("recovery", "chime", "boundaries", "sharing_experience", "self_determination", "wellbeing",
                 "stress", "supervision", "sparring", "workshop", "exercise", "peer_education", "group_course",
                 "individual_support", "research", "legislation", "function_description", "network")
# A resource offered nationally is a link to a public page of one of these publishers: what it says is
# already public, and the instance adds nothing but the link, its kind, theme and tags.
PUBLIC_PUBLISHERS = ("peernetvaerket.dk", "peer-partnerskabet.dk", "socialstyrelsen.dk", "sst.dk",
                     "psykiatrifonden.dk", "sind.dk", "vidensportal.dk", "regionh.dk", "regionsjaelland.dk",
                     "rm.dk", "rn.dk", "regionsyddanmark.dk", "kk.dk", "recoveryskolen.dk")
_PUBLISHERS = "|".join(h.replace(".", r"\.") for h in PUBLIC_PUBLISHERS)
# https only, a publisher's host (or a subdomain), a path of plain segments; no user info, port, query or fragment.
PUBLIC_LINK_PATTERN = rf"^https://([a-z0-9-]+\.)*({_PUBLISHERS})(/[A-Za-z0-9._~%-]+)*/?$"
OCCURRENCE_PATTERN = r"^\d{8}T\d{6}Z$"  # the original start in UTC, iCalendar's RECURRENCE-ID form

_Title = validate.Length(min=1, max=200)


def _occurrence():
    return fields.String(required=True, validate=validate.Regexp(OCCURRENCE_PATTERN),
                         metadata={"description": "the occurrence's original start in UTC (YYYYMMDDTHHMMSSZ)"})


# -- networks ---------------------------------------------------------------------------------------
@event("network.created", 1)
class NetworkCreated(Schema):
    """A network group of the instance (e.g. a regional peer network run with Peer-Netværket Danmark)."""

    name = fields.String(required=True, validate=_Title)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    kind = fields.String(required=True, validate=validate.OneOf(NETWORK_KINDS))


@event("network.member_joined", 1)
class MemberJoined(Schema):
    """A peer joined; `peer_kind` is what roles reported when they joined (paid or volunteer)."""

    peer_id = fields.UUID(required=True)
    peer_kind = fields.String(required=True, validate=validate.OneOf(PEER_KINDS))


@event("network.member_left", 1)
class MemberLeft(Schema):
    peer_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(LEAVE_REASONS))


@event("network.facilitator_added", 1)
class NetworkFacilitatorAdded(Schema):
    """A member facilitates the network (plans its meetings, keeps its member list)."""

    peer_id = fields.UUID(required=True)


@event("network.facilitator_removed", 1)
class NetworkFacilitatorRemoved(Schema):
    peer_id = fields.UUID(required=True)


# -- meetings -----------------------------------------------------------------------------------------
class Schedule(Schema):
    """When a meeting recurs, in Danish time: once, weekly (e.g. Thursdays 10-12) or monthly (the same
    day of the month, or the same weekday of the month, e.g. the first Thursday). Ends after `count`
    occurrences or on `until` (one of them for a recurring meeting)."""

    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    starts_at = fields.AwareDateTime(required=True, metadata={"description": "the first occurrence"})
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=15, max=600))
    interval = fields.Integer(load_default=1, validate=validate.Range(min=1, max=12))
    monthly_by = fields.String(load_default="day_of_month", validate=validate.OneOf(MONTHLY_BY))
    count = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=120))
    until = fields.Date(load_default=None, allow_none=True)


class Occurrence(Schema):
    occurrence = _occurrence()
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


@event("meeting.scheduled", 1)
class MeetingScheduled(Schema):
    """A meeting of a network (`network_id`) or of a workplace (`workplace`), with its schedule and the
    occurrences it expands to (UTC; stored so that a rebuild never depends on the expansion code)."""

    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    title = fields.String(required=True, validate=_Title)
    place = fields.String(required=True, validate=_Title)
    network_id = fields.UUID(load_default=None, allow_none=True)
    workplace = fields.String(load_default=None, allow_none=True, validate=_Title)
    facilitator_peer_ids = fields.List(fields.UUID(), load_default=list)
    schedule = fields.Nested(Schedule, required=True)
    occurrences = fields.List(fields.Nested(Occurrence), required=True, validate=validate.Length(min=1, max=120))


@event("meeting.invited", 1)
class MeetingInvited(Schema):
    """Peers invited to every occurrence (a network's members are invited by being members)."""

    peer_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1))


@event("meeting.occurrence_moved", 1)
class OccurrenceMoved(Schema):
    """An exception to the schedule: one occurrence at another time or place."""

    occurrence = _occurrence()
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=_Title)
    reason = fields.String(required=True, validate=validate.OneOf(MOVE_REASONS))


@event("meeting.occurrence_cancelled", 1)
class OccurrenceCancelled(Schema):
    """An exception to the schedule: one occurrence does not take place."""

    occurrence = _occurrence()
    reason = fields.String(required=True, validate=validate.OneOf(CANCEL_REASONS))


@event("meeting.cancelled", 1)
class MeetingCancelled(Schema):
    """The meeting ends: every occurrence not yet held is cancelled."""

    reason = fields.String(required=True, validate=validate.OneOf(CANCEL_REASONS))


class AgendaItem(Schema):
    title = fields.String(required=True, validate=_Title)
    minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=600))


@event("meeting.agenda_set", 1)
class AgendaSet(Schema):
    """The theme and agenda of one occurrence (a sparring meeting's theme is one of seed 001's)."""

    occurrence = _occurrence()
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(THEMES))
    agenda = fields.List(fields.Nested(AgendaItem), required=True, validate=validate.Length(max=30))


@event("meeting.signed_up", 1)
class SignedUp(Schema):
    """A peer signed up for one occurrence; `note` (what they need to take part) is about them: sealed."""

    occurrence = _occurrence()
    peer_id = fields.UUID(required=True)
    note = Personal(fields.String(validate=validate.Length(max=1000)), subject="peer_id", load_default=None,
                    allow_none=True)


@event("meeting.sign_up_cancelled", 1)
class SignUpCancelled(Schema):
    occurrence = _occurrence()
    peer_id = fields.UUID(required=True)


class Attendance(Schema):
    peer_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE))


@event("meeting.held", 1)
class MeetingHeld(Schema):
    """The occurrence took place, for `duration_minutes`, with who attended."""

    occurrence = _occurrence()
    held_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    attendance = fields.List(fields.Nested(Attendance), required=True)


@event("meeting.attendance_recorded", 1)
class MeetingAttendanceRecorded(Schema):
    """Attendance of one peer at a held occurrence; a later record corrects an earlier one."""

    occurrence = _occurrence()
    peer_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE))


# -- resources ------------------------------------------------------------------------------------------
@event("resource.shared", 1)
class ResourceShared(Schema):
    """Knowledge shared within a network: a link or a text, with tags and a theme. Stays in the instance."""

    network_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=_Title)
    kind = fields.String(required=True, validate=validate.OneOf(RESOURCE_KINDS))
    url = fields.Url(load_default=None, allow_none=True, schemes={"https", "http"})
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=20000))
    tags = fields.List(fields.String(validate=validate.OneOf(RESOURCE_TAGS)), load_default=list)
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(THEMES))
    shared_by = fields.UUID(required=True, metadata={"description": "the sharing peer's or staff member's id"})


@event("resource.withdrawn", 1)
class ResourceWithdrawn(Schema):
    """The resource is no longer shared."""


@event("resource.offered_nationally", 1)
class ResourceOfferedNationally(Schema):
    """A coordinator offered the resource (a link to a public page) to the national level."""

    offered_on = fields.Date(required=True)


# -- what roles reported of peers (kept in this store, so a rebuild knows what the live run knew) -------
@event("network_peer.known", 1)
class NetworkPeerKnown(Schema):
    """Roles reported a peer (`peer.registered`): their id is their stream, their kind is here."""

    peer_kind = fields.String(required=True, validate=validate.OneOf(PEER_KINDS))
    source_event_id = fields.UUID(required=True)


# Erasures are recorded with courses' `forgotten_person.recorded` (stream `forgotten_person-<person id>`).


# -- published for other services of the instance -----------------------------------------------------
@event("network_activity.attended", 1)
class NetworkActivityAttended(Schema):
    """A peer attended a meeting: one volunteer activity (roles counts them). Stream
    `network_activity-<activity id>` (one per peer and occurrence: it never counts twice)."""

    activity_id = fields.UUID(required=True)
    peer_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    meeting_id = fields.UUID(required=True)
    occurrence = _occurrence()
    held_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))


@event("network_activity.withdrawn", 1)
class NetworkActivityWithdrawn(Schema):
    """The attendance was corrected (absent or excused): the activity no longer counts."""

    activity_id = fields.UUID(required=True)
    peer_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(ACTIVITY_WITHDRAWAL_REASONS))


@event("meeting_notice.scheduled", 1)
class MeetingNoticeScheduled(Schema):
    """For invitations: a meeting was scheduled (its occurrences) and whom it invites. Stream
    `meeting_notice-<meeting id>`."""

    meeting_id = fields.UUID(required=True)
    network_id = fields.UUID(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    title = fields.String(required=True, validate=_Title)
    place = fields.String(required=True, validate=_Title)
    occurrences = fields.List(fields.Nested(Occurrence), required=True)
    invitee_peer_ids = fields.List(fields.UUID(), required=True)


@event("meeting_notice.changed", 1)
class MeetingNoticeChanged(Schema):
    """For reminders: one occurrence moved in time or place."""

    meeting_id = fields.UUID(required=True)
    occurrence = _occurrence()
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=_Title)
    invitee_peer_ids = fields.List(fields.UUID(), required=True)


@event("meeting_notice.cancelled", 1)
class MeetingNoticeCancelled(Schema):
    """One occurrence (or, with `occurrence` null, every one not yet held) is cancelled."""

    meeting_id = fields.UUID(required=True)
    occurrence = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(OCCURRENCE_PATTERN))
    invitee_peer_ids = fields.List(fields.UUID(), required=True)


@event("meeting_notice.signed_up", 1)
class MeetingNoticeSignedUp(Schema):
    """For a confirmation: a peer signed up for one occurrence (their note stays sealed in the meeting's
    own stream; it is not part of the notice)."""

    meeting_id = fields.UUID(required=True)
    occurrence = _occurrence()
    peer_id = fields.UUID(required=True)


@event("meeting_notice.sign_up_cancelled", 1)
class MeetingNoticeSignUpCancelled(Schema):
    """For a confirmation: the peer's sign-up for one occurrence was withdrawn."""

    meeting_id = fields.UUID(required=True)
    occurrence = _occurrence()
    peer_id = fields.UUID(required=True)


# -- national: counts, enumerations and public links, never a person ------------------------------------
@event("network_size.reported", 1, national=True)
class NetworkSizeReported(Schema):
    """A network's members by kind of peer, after each change. Stream `network_size-<network id>`;
    the latest report of a stream is the network's size. Counts only: the national level suppresses
    small cells (issue 12)."""

    network_kind = fields.String(required=True, validate=validate.OneOf(NETWORK_KINDS))
    paid_members = fields.Integer(required=True, validate=validate.Range(min=0))
    volunteer_members = fields.Integer(required=True, validate=validate.Range(min=0))
    reported_on = fields.Date(required=True)


@event("meeting_report.held", 1, national=True)
class MeetingReportHeld(Schema):
    """A meeting took place: its kind, theme, length and how many paid and volunteer peers attended.
    Stream `meeting_report-<meeting id>`; a corrected attendance reports the occurrence again (the
    latest report of an occurrence counts). No attendee, not even as a pseudonym: counts are enough."""

    meeting_kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(THEMES))
    occurrence = _occurrence()
    held_on = fields.Date(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    attended_paid = fields.Integer(required=True, validate=validate.Range(min=0))
    attended_volunteer = fields.Integer(required=True, validate=validate.Range(min=0))


@event("national_resource.offered", 1, national=True)
class NationalResourceOffered(Schema):
    """A resource offered to the national level: a link to a public page of a known publisher, its
    kind, theme and tags. No title, text or sharer: free text can hold anything about anyone (a case,
    a name), so it never leaves the instance. Stream `national_resource-<resource id>`."""

    url = fields.String(required=True, validate=validate.Regexp(PUBLIC_LINK_PATTERN))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(THEMES))
    tags = fields.List(fields.String(validate=validate.OneOf(RESOURCE_TAGS)), required=True)
    offered_on = fields.Date(required=True)


# -- national events (issue 11 item 4): announced by the national instance, signed up for here -----------
# A sign-up is one stream per peer and national event, `national_sign_up-<uuid5(event, peer)>`: the peer's
# own steps stay here (by peer id), what crosses is `requested`, `withdrawn` and `attended`, the peer only as
# this instance's pseudonym for that event (runtime/privacy/pseudonym.py); the national instance's answers
# (contracts/national.py, `national_registration.*`) are recorded here as the local facts below, which
# notifications turns into messages. The event's details are the national contract's (imported here, after
# this module's own names, which contracts/national.py imports).
from contracts.national import EventDetails, national_event_id  # noqa: E402


@event("national_event_notice.announced", 1)
class NationalEventNoticeAnnounced(EventDetails):
    """A national event the national instance announced (`national_announcement.published`), as this instance
    received it: peers of the instance may sign up. Stream `national_event_notice-<national event id>`."""

    national_event_id = national_event_id()


@event("national_sign_up.registered", 1)
class NationalSignUpRegistered(Schema):
    """A peer of this instance signed up for a national event (forwarded as `national_sign_up.requested`)."""

    national_event_id = national_event_id()
    peer_id = fields.UUID(required=True)


@event("national_sign_up.withdrawal_requested", 1)
class NationalSignUpWithdrawalRequested(Schema):
    """The peer withdrew their sign-up (forwarded as `national_sign_up.withdrawn`)."""

    national_event_id = national_event_id()
    peer_id = fields.UUID(required=True)


@event("national_sign_up.requested", 1, national=True)
class NationalSignUpRequested(Schema):
    """To the national instance: a registration for a national event, by a pseudonym of this instance for
    that event (unlinkable across events and instances) and the kind of peer; the region is the sender."""

    national_event_id = national_event_id()
    pseudonym = fields.String(required=True, validate=validate.Regexp(PSEUDONYM_PATTERN))
    peer_kind = fields.String(required=True, validate=validate.OneOf(PEER_KINDS))


@event("national_sign_up.withdrawn", 1, national=True)
class NationalSignUpWithdrawn(Schema):
    """To the national instance: the registrant withdrew."""

    national_event_id = national_event_id()
    pseudonym = fields.String(required=True, validate=validate.Regexp(PSEUDONYM_PATTERN))


@event("national_sign_up.attended", 1, national=True)
class NationalSignUpAttended(Schema):
    """To the national instance: the registrant attended (recorded by a coordinator of this instance)."""

    national_event_id = national_event_id()
    pseudonym = fields.String(required=True, validate=validate.Regexp(PSEUDONYM_PATTERN))


class _SignUpAnswer(Schema):
    national_event_id = national_event_id()
    peer_id = fields.UUID(required=True)


@event("national_sign_up.accepted", 1)
class NationalSignUpAccepted(_SignUpAnswer):
    """For notifications: the national instance gave the peer a place."""


@event("national_sign_up.waitlisted", 1)
class NationalSignUpWaitlisted(_SignUpAnswer):
    """For notifications: the event is full; the peer is on the waitlist at `position` (1 = next)."""

    position = fields.Integer(required=True, validate=validate.Range(min=1))


@event("national_sign_up.promoted", 1)
class NationalSignUpPromoted(_SignUpAnswer):
    """For notifications: a place became free and the peer, first on the waitlist, has it now."""


@event("national_sign_up.cancelled", 1)
class NationalSignUpCancelled(_SignUpAnswer):
    """For notifications: the national instance confirmed the cancellation."""
