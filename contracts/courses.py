"""Events of the courses service: methods, citizens, group courses (incl. the peer education),
individual support courses, and the facts it publishes for other services and the national level.

Categories other services consume (their streams hold nothing else):
- `peer_education`  completions of the peer education (roles: statement eligibility)
- `peer_activity`   sessions a peer held, group or individual (roles: volunteer activities)
- `outcome`         WHO-5 distributions per closed course (national: aggregated, no person in it)

Fields about a person are `Personal(inner, subject=...)` (contracts/personal.py): stored sealed with
the key of the person named by the sibling field `subject` (`citizen_id`, `person_id`) or, for a
citizen's own stream, by the stream (`STREAM`); erasing the person makes them unreadable.
"""
from marshmallow import fields, validate

from contracts.schema import Schema
from contracts.personal import STREAM, Personal
from contracts.registry import event

COURSE_KINDS = ("recovery_group", "recovery_school", "peer_education")
PARTICIPANT_TYPES = ("citizen", "relative", "staff")
ATTENDANCE = ("present", "absent", "late", "excused")
SUPPORT_SESSION_KINDS = ("conversation", "companionship", "accompaniment_activity", "accompaniment_meeting")
ACTIVITY_KINDS = SUPPORT_SESSION_KINDS + ("group_session",)
WHO5_TIMINGS = ("start", "end")
SUPPORT_CLOSE_REASONS = ("goals_reached", "ended_by_citizen", "ended_early", "other")
WITHDRAWAL_REASONS = ("recorded_by_mistake", "did_not_take_place", "duplicate")

_Text = validate.Length(min=1, max=200)


def _text(max_length: int, min_length: int = 0) -> fields.String:
    return fields.String(validate=validate.Length(min=min_length, max=max_length))

# runtime/privacy/pseudonym.py's format: `<instance id>:p2:<128-bit HMAC, base32>` (p1: before pseudonyms had a purpose)
PSEUDONYM_PATTERN = r"^(region-108[1-5]|kommune-\d{4}|national):p[12]:[a-z2-7]{26}$"


# -- methods -----------------------------------------------------------------------------------------
@event("method.added", 1)
class MethodAdded(Schema):
    """A local method (tool) was added next to the national ones ('Guide til et godt hverdagsliv', ...)."""

    name = fields.String(required=True, validate=_Text)
    description = fields.String(load_default="", validate=validate.Length(max=2000))


# -- citizens ----------------------------------------------------------------------------------------
@event("citizen.registered", 1)
class CitizenRegistered(Schema):
    """A person receiving support (borger/beboer) is known to the courses service. All personal."""

    name = Personal(_text(200, 1), subject=STREAM, required=True)
    phone = Personal(_text(40), subject=STREAM, load_default=None, allow_none=True)
    email = Personal(_text(200), subject=STREAM, load_default=None, allow_none=True)


@event("citizen.contact_changed", 1)
class CitizenContactChanged(Schema):
    """The citizen's contact data changed (only the fields given)."""

    phone = Personal(_text(40), subject=STREAM, allow_none=True)
    email = Personal(_text(200), subject=STREAM, allow_none=True)


# -- group courses -----------------------------------------------------------------------------------
class CompletionRule(Schema):
    """Completed = attended (present or late) at least `min_sessions_attended` sessions AND at least
    `min_attendance_percent` of the sessions the participant was expected at: sessions held while
    enrolled (a late joiner is not expected at sessions before they joined); excused absences are
    not expected either."""

    min_sessions_attended = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    min_attendance_percent = fields.Integer(required=True, validate=validate.Range(min=0, max=100))


class Exercise(Schema):
    title = fields.String(required=True, validate=_Text)
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    duration_minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=600))


@event("group_course.planned", 1)
class GroupCoursePlanned(Schema):
    """A group course was planned: a recovery group, a recovery-school course or the peer education."""

    kind = fields.String(required=True, validate=validate.OneOf(COURSE_KINDS))
    title = fields.String(required=True, validate=_Text)
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    method_ids = fields.List(fields.UUID(), required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    completion_rule = fields.Nested(CompletionRule, required=True)


@event("group_course.capacity_changed", 1)
class GroupCourseCapacityChanged(Schema):
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=500))


@event("group_course.facilitator_added", 1)
class FacilitatorAdded(Schema):
    """A peer facilitates the course (alone, or with peer colleagues: each is added)."""

    peer_id = fields.UUID(required=True)


@event("group_course.facilitator_removed", 1)
class FacilitatorRemoved(Schema):
    peer_id = fields.UUID(required=True)


@event("group_course.session_scheduled", 1)
class SessionScheduled(Schema):
    """A session (workshop) with its programme and exercises, time and place."""

    session_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=_Text)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=_Text)
    programme = fields.String(load_default="", validate=validate.Length(max=8000))
    exercises = fields.List(fields.Nested(Exercise), load_default=list)
    facilitator_peer_ids = fields.List(fields.UUID(), load_default=list)


@event("group_course.session_rescheduled", 1)
class SessionRescheduled(Schema):
    session_id = fields.UUID(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=_Text)


@event("group_course.session_programme_set", 1)
class SessionProgrammeSet(Schema):
    """The facilitators developed (or changed) the programme and exercises of a session."""

    session_id = fields.UUID(required=True)
    programme = fields.String(required=True, validate=validate.Length(max=8000))
    exercises = fields.List(fields.Nested(Exercise), required=True)


@event("group_course.session_cancelled", 1)
class SessionCancelled(Schema):
    session_id = fields.UUID(required=True)


class Facilitation(Schema):
    peer_id = fields.UUID(required=True)
    minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))


@event("group_course.session_held", 1)
class SessionHeld(Schema):
    """The session took place; `facilitations` are the peers who held it and for how long."""

    session_id = fields.UUID(required=True)
    held_at = fields.AwareDateTime(required=True)
    facilitations = fields.List(fields.Nested(Facilitation), required=True)


@event("group_course.participant_enrolled", 1)
class ParticipantEnrolled(Schema):
    """A participant got a place. `citizen_id` names a person registered here; `peer_id` is set when
    the participant is a peer (e.g. a volunteer taking the peer education)."""

    participant_id = fields.UUID(required=True)
    participant_type = fields.String(required=True, validate=validate.OneOf(PARTICIPANT_TYPES))
    citizen_id = fields.UUID(load_default=None, allow_none=True)
    peer_id = fields.UUID(load_default=None, allow_none=True)


@event("group_course.participant_waitlisted", 1)
class ParticipantWaitlisted(ParticipantEnrolled):
    """The course was full: the participant waits, first come first served."""


@event("group_course.participant_promoted", 1)
class ParticipantPromoted(Schema):
    """A place became free and the first on the waitlist got it (automatically)."""

    participant_id = fields.UUID(required=True)


@event("group_course.participant_withdrew", 1)
class ParticipantWithdrew(Schema):
    participant_id = fields.UUID(required=True)


@event("group_course.attendance_recorded", 1)
class AttendanceRecorded(Schema):
    """Attendance of one participant at one held session; a later record corrects an earlier one."""

    session_id = fields.UUID(required=True)
    participant_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE))
    minutes_late = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1440))


@event("group_course.feedback_given", 1)
class FeedbackGiven(Schema):
    """Participant feedback from an evaluation interview; the free text is personal data."""

    feedback_id = fields.UUID(required=True)
    participant_id = fields.UUID(required=True)
    session_id = fields.UUID(load_default=None, allow_none=True)
    person_id = fields.UUID(required=True, metadata={"description": "the participant's citizen or peer id: "
                                                      "whose key seals the text, erased with them"})
    interviewed_by = fields.UUID(required=True, metadata={"description": "peer id of the interviewer"})
    rating = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    text = Personal(_text(8000, 1), subject="person_id", required=True)


def _who5_fields(subject: str) -> dict:
    """WHO-5 answers and scores are health data about `subject`: all sealed."""
    return {
        "timing": fields.String(required=True, validate=validate.OneOf(WHO5_TIMINGS)),
        "items": Personal(fields.List(fields.Integer(validate=validate.Range(min=0, max=5)),
                                      validate=validate.Length(equal=5)), subject=subject, required=True),
        "raw_score": Personal(fields.Integer(validate=validate.Range(min=0, max=25)), subject=subject,
                              required=True),
        "score": Personal(fields.Integer(validate=validate.Range(min=0, max=100)), subject=subject, required=True),
    }


@event("group_course.who5_recorded", 1)
class GroupWho5Recorded(Schema.from_dict(_who5_fields("person_id"))):
    """A participant's WHO-5 at the start or end of the course, scored by the service (raw x 4)."""

    participant_id = fields.UUID(required=True)
    person_id = fields.UUID(required=True, metadata={"description": "the participant's citizen or peer id"})


@event("group_course.closed", 1)
class GroupCourseClosed(Schema):
    """The course ended; the completion rule decided who completed."""

    completed_participant_ids = fields.List(fields.UUID(), required=True)
    sessions_held = fields.Integer(required=True, validate=validate.Range(min=0))


@event("group_course.cancelled", 1)
class GroupCourseCancelled(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


# -- individual support courses ------------------------------------------------------------------------
@event("support_course.opened", 1)
class SupportCourseOpened(Schema):
    """An individual peer-support course for a citizen (individuelt forløb)."""

    citizen_id = fields.UUID(required=True)
    method_ids = fields.List(fields.UUID(), load_default=list)


@event("support_course.peer_matched", 1)
class PeerMatched(Schema):
    """The coordinator matched a peer with the citizen, after conversations with both."""

    peer_id = fields.UUID(required=True)


@event("support_course.match_replaced", 1)
class MatchReplaced(Schema):
    """The match did not work and the coordinator found another peer."""

    citizen_id = fields.UUID(required=True, metadata={"description": "whose key seals the personal fields"})
    previous_peer_id = fields.UUID(required=True)
    peer_id = fields.UUID(required=True)
    reason = Personal(_text(2000), subject="citizen_id", load_default="")


@event("support_course.goal_set", 1)
class GoalSet(Schema):
    """One of the citizen's own goals, in the citizen's words."""

    citizen_id = fields.UUID(required=True, metadata={"description": "whose key seals the personal fields"})
    goal_id = fields.UUID(required=True)
    text = Personal(_text(2000, 1), subject="citizen_id", required=True)


@event("support_course.goal_status_changed", 1)
class GoalStatusChanged(Schema):
    goal_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("active", "reached", "dropped")))


@event("support_course.session_held", 1)
class SupportSessionHeld(Schema):
    """A conversation, companionship, or accompaniment to an activity or a meeting."""

    citizen_id = fields.UUID(required=True, metadata={"description": "whose key seals the personal fields"})
    session_id = fields.UUID(required=True)
    peer_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SUPPORT_SESSION_KINDS))
    held_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    note = Personal(_text(4000), subject="citizen_id", load_default="")


@event("support_course.session_withdrawn", 1)
class SupportSessionWithdrawn(Schema):
    """A session recorded by mistake is withdrawn (events are immutable: this is the correction)."""

    session_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(WITHDRAWAL_REASONS))


@event("support_course.who5_recorded", 1)
class SupportWho5Recorded(Schema.from_dict(_who5_fields("citizen_id"))):
    """The citizen's WHO-5 at the start or end of the course, scored by the service (raw x 4)."""

    citizen_id = fields.UUID(required=True, metadata={"description": "whose key seals the personal fields"})


@event("support_course.closed", 1)
class SupportCourseClosed(Schema):
    """The course was closed with an evaluation (free text about the citizen: personal)."""

    citizen_id = fields.UUID(required=True, metadata={"description": "whose key seals the personal fields"})
    reason = fields.String(required=True, validate=validate.OneOf(SUPPORT_CLOSE_REASONS))
    evaluation = Personal(_text(8000, 1), subject="citizen_id", required=True)


# -- published for other services of the instance -----------------------------------------------------
@event("peer_education.completed", 1)
class PeerEducationCompleted(Schema):
    """A participant completed the peer education (roles: one condition of a volunteer's statement).
    Stream `peer_education-<course id>`. `peer_id` is null for a participant not (yet) a peer."""

    course_id = fields.UUID(required=True)
    participant_id = fields.UUID(required=True)
    peer_id = fields.UUID(required=True, allow_none=True)
    completed_on = fields.Date(required=True)
    sessions_attended = fields.Integer(required=True, validate=validate.Range(min=0))
    sessions_held = fields.Integer(required=True, validate=validate.Range(min=0))


@event("peer_activity.session_held", 1)
class PeerActivitySessionHeld(Schema):
    """A peer held a session: one volunteer activity (roles counts them). Stream
    `peer_activity-<activity id>`; `course_id`/`session_id` say where it came from."""

    activity_id = fields.UUID(required=True)
    peer_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    course_type = fields.String(required=True, validate=validate.OneOf(("group_course", "support_course")))
    course_id = fields.UUID(required=True)
    session_id = fields.UUID(required=True)
    held_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))


@event("peer_activity.withdrawn", 1)
class PeerActivityWithdrawn(Schema):
    """The activity does not count after all (a session recorded by mistake): the correction, in the
    same `peer_activity-<activity id>` stream as the `session_held` it withdraws."""

    activity_id = fields.UUID(required=True)
    peer_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(WITHDRAWAL_REASONS))


# -- national: aggregated or pseudonymised, never a person ---------------------------------------------
@event("peer_education.completion_reported", 1, national=True)
class PeerEducationCompletionReported(Schema):
    """For the national count of completed peer educations: the person only as a pseudonym (HMAC of
    the person's id with this instance's secret, runtime/privacy/pseudonym.py), so the same person counts
    once per instance and cannot be linked across instances."""

    pseudonym = fields.String(required=True, validate=validate.Regexp(PSEUDONYM_PATTERN))
    completed_on = fields.Date(required=True)


class Who5Distribution(Schema):
    """Counts of scores (0-100) in the buckets 0-19, 20-39, 40-59, 60-79, 80-100; WHO-5 under 50
    suggests poor wellbeing, so `below_50` is counted too."""

    timing = fields.String(required=True, validate=validate.OneOf(WHO5_TIMINGS))
    count = fields.Integer(required=True, validate=validate.Range(min=0))
    buckets = fields.List(fields.Integer(validate=validate.Range(min=0)), required=True,
                          validate=validate.Length(equal=5))
    below_50 = fields.Integer(required=True, validate=validate.Range(min=0))


@event("outcome.who5_distribution_reported", 1, national=True)
class Who5DistributionReported(Schema):
    """WHO-5 at start and end, as distributions only: of a closed group course (stream
    `outcome-<course id>`), or of a batch of closed individual support courses (`course_kind`
    individual, stream `outcome-<pool id>`). Groups smaller than the reporting threshold are
    suppressed (`suppressed=true`, empty distributions), so no small group's scores can be told apart."""

    course_type = fields.String(required=True, validate=validate.OneOf(("group_course", "support_course")))
    course_kind = fields.String(required=True, validate=validate.OneOf(COURSE_KINDS + ("individual",)))
    closed_on = fields.Date(required=True)
    suppressed = fields.Boolean(required=True)
    distributions = fields.List(fields.Nested(Who5Distribution), required=True)


class ProtectedWho5Distribution(Who5Distribution):
    """As `Who5Distribution`, with every count that could single people out hidden (`null`) under the
    national disclosure rules (docs/security.md; services/courses/domain/who5.py)."""

    buckets = fields.List(fields.Integer(validate=validate.Range(min=0), allow_none=True), required=True,
                          validate=validate.Length(equal=5))
    below_50 = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=0))


@event("outcome.who5_distribution_reported", 2, national=True, upcast_from_previous=lambda payload: payload)
class Who5DistributionReportedV2(Schema):
    """WHO-5 at start and end, as distributions only (see v1 for streams and batches). v2: besides
    groups below the reporting threshold (`suppressed=true`), any band count that could single people
    out is hidden (`null`), with complementary suppression, and a distribution where (nearly) everyone
    shares one band is hidden whole. v1 payloads are valid v2 payloads (nothing hidden)."""

    course_type = fields.String(required=True, validate=validate.OneOf(("group_course", "support_course")))
    course_kind = fields.String(required=True, validate=validate.OneOf(COURSE_KINDS + ("individual",)))
    closed_on = fields.Date(required=True)
    suppressed = fields.Boolean(required=True)
    distributions = fields.List(fields.Nested(ProtectedWho5Distribution), required=True)


@event("outcome.support_batch_assembled", 1)
class SupportOutcomeBatchAssembled(Schema):
    """Closed individual support courses whose WHO-5 (start and end) went nationally together as one
    distribution: each course is one person, so they are reported only in batches of at least the
    reporting threshold. Stays in the instance (course ids); stream `outcome-<pool id>`."""

    course_ids = fields.List(fields.UUID(), required=True)


# -- erasure --------------------------------------------------------------------------------------------
@event("forgotten_person.recorded", 1, also_published_by=("network",))
class ForgottenPersonRecorded(Schema):
    """The courses (or network) service applied an erasure (`person.erased` from roles) to its read models. Kept in
    this service's own store, stream `forgotten_person-<person id>`, so that a rebuild forgets the
    person at the same place as the live run did."""

    erased_event_id = fields.UUID(required=True, metadata={"description": "the roles event it follows"})


# -- the competence catalogue, as this instance received it, and what counts toward it ------------------
# `catalogue_module-<module id>`: the national catalogue kept in this instance's own store (a rebuild knows
# exactly what the live run knew). `course_competence-<course id>`: which modules a course counts toward.
# `competence-<completion id>`: one completion of one module by one person (local), and its national report.
class CatalogueModuleVersion(Schema):
    module_id = fields.UUID(required=True)
    module_version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True, validate=_Text)
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    learning_goals = fields.List(fields.String(validate=validate.Length(min=1, max=500)), required=True)
    kind = fields.String(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0))


@event("catalogue_module.received", 1)
class CatalogueModuleReceived(CatalogueModuleVersion):
    """A version of a national competence module reached this instance (`competence_module.published`)."""


@event("catalogue_module.retired", 1)
class CatalogueModuleRetired(Schema):
    """The national instance retired the module: no new mapping to it; completions stay."""

    module_id = fields.UUID(required=True)


@event("course_competence.mapped", 1)
class CourseCompetenceMapped(Schema):
    """A coordinator set which competence modules a group course counts toward (the whole set, replacing
    the previous one). Completing the course (its completion rule met) completes each of them."""

    course_id = fields.UUID(required=True)
    module_ids = fields.List(fields.UUID(), required=True)


class CompletedModule(Schema):
    """The module version a completion was made against (a later version does not change it)."""

    module_id = fields.UUID(required=True)
    module_version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True, validate=_Text)
    kind = fields.String(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0))


@event("competence.completed", 1)
class CompetenceCompleted(CompletedModule):
    """A person completed a competence module here: a mapped course closed with its completion rule met.
    Stream `competence-<completion id>` (uuid5 of course, person and module: never twice)."""

    completion_id = fields.UUID(required=True)
    person_id = fields.UUID(required=True, metadata={"description": "the participant's peer or citizen id"})
    course_id = fields.UUID(required=True)
    completed_on = fields.Date(required=True)


@event("competence.imported", 1)
class CompetenceImported(CompletedModule):
    """A completion held at another instance, presented by the person as a signed Open Badges 3.0
    credential, verified against its issuer's published key and recorded on the person's consent."""

    completion_id = fields.UUID(required=True, metadata={"description": "the credential's id (urn:uuid)"})
    person_id = fields.UUID(required=True)
    issuer_instance = fields.String(required=True, validate=validate.Regexp(r"^(region-108[1-5]|kommune-\d{4})$"))
    completed_on = fields.Date(required=True)
    consented_at = fields.AwareDateTime(required=True)


@event("competence.completion_reported", 1, national=True)
class CompetenceCompletionReported(Schema):
    """For the national picture of the competence catalogue (module × instance × month): the person only as
    this instance's pseudonym for competences (runtime/privacy/pseudonym.py), the module version completed."""

    pseudonym = fields.String(required=True, validate=validate.Regexp(PSEUDONYM_PATTERN))
    module_id = fields.UUID(required=True, metadata={
        "national_safe": "a competence module's id, made by the national instance: names no person"})
    module_version = fields.Integer(required=True, validate=validate.Range(min=1))
    completed_on = fields.Date(required=True)


@event("course_held.reported", 1, national=True)
class CourseHeldReported(Schema):
    """For the national count of courses held and their participants (issue 12): a course that was held
    to its close, by kind, with the number of its participants. Stream `course_held-<course id>` (its id
    pseudonymised when it leaves the instance): no title, no facilitator, no participant, only counts.
    A group course reports when it closes (a cancelled course was not held); an individual support course
    (`course_kind` individual, one citizen) when it closes."""

    course_type = fields.String(required=True, validate=validate.OneOf(("group_course", "support_course")))
    course_kind = fields.String(required=True, validate=validate.OneOf(COURSE_KINDS + ("individual",)))
    closed_on = fields.Date(required=True)
    participants = fields.Integer(required=True, validate=validate.Range(min=0, max=500), metadata={
        "description": "participants enrolled at the close (withdrawn and waitlisted ones not counted)"})
