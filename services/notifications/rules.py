"""The rules: which event tells whom what, on which channels. Data, served as `GET /rules`.

A rule is either immediate (`events`: sent when one of them is consumed) or a reminder
(`scheduled_by`: the events that schedule, move or drop it; `offsets_hours` before the moment, or
`at` a moment the cause names). Recipients are resolver names (recipients.py) that yield person ids
when the message is planned; their e-mail address is fetched from roles when it is sent.

`sensitive`: the message is about health, support or a citizen, so the e-mail only says that there
is a message and links to the inbox. `critical`: preferences cannot switch it off (nor a digest
delay it). `awaiting_contract`: the events are the network service's, not yet in contracts/; the
rule is data only until they are (names to be aligned with the network service).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

EMAIL, INBOX = "email", "inbox"
CHANNELS = (EMAIL, INBOX)


@dataclass(frozen=True)
class Rule:
    key: str
    category: str
    recipients: tuple[str, ...]
    template: str
    events: tuple[str, ...] = ()
    scheduled_by: tuple[str, ...] = ()
    offsets_hours: tuple[int, ...] = ()
    channels: tuple[str, ...] = CHANNELS
    critical: bool = False
    sensitive: bool = False
    calendar: bool = False
    awaiting_contract: bool = False
    description: str = field(default="")

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


RULES: tuple[Rule, ...] = (
    # -- roles ----------------------------------------------------------------------------------------
    Rule("function_description.revision_to_acknowledge", "function_description",
         ("peers_under_description", "leaders_of_peers_under_description"), "revision_to_acknowledge",
         events=("function_description.published",),
         description="A new revision of the function description: the peer and the leader review and "
                     "acknowledge it together. Before any peer works under it, the instance's leaders and "
                     "coordinators are told in their role inbox."),
    Rule("volunteer_agreement.renewal_due", "volunteer_agreement", ("volunteer", "agreement_coordinator"),
         "renewal_due", events=("volunteer_agreement.renewal_due_raised",),
         description="Ahead of the half-year end: the renewal conversation is due."),
    Rule("volunteer_agreement.expired", "volunteer_agreement", ("volunteer", "agreement_coordinator"),
         "agreement_expired", critical=True,
         scheduled_by=("volunteer_agreement.activated", "volunteer_agreement.renewed",
                       "volunteer_agreement.ended"),
         description="The half year ended without a renewal conversation (at the day after term_ends_on, "
                     "09:00 Copenhagen; a renewal moves it, an end drops it)."),
    Rule("volunteer.pause_announced", "volunteering", ("agreement_coordinator",), "pause_announced",
         events=("volunteer_agreement.pause_announced",), sensitive=True,
         description="A volunteer announced a pause (reasons can be health: no details by e-mail)."),
    Rule("volunteer.resumed", "volunteering", ("agreement_coordinator",), "volunteer_resumed",
         events=("volunteer_agreement.resumed",), sensitive=True),
    Rule("peer.monthly_evaluation_due", "evaluation", ("peer", "peer_leader"), "monthly_evaluation_due",
         scheduled_by=("peer.task_agreed", "peer.monthly_evaluation_held"),
         description="The monthly evaluation of the agreed tasks is due on the first of the month after "
                     "the month to evaluate; a held evaluation moves it to the next month."),
    Rule("peer_education.completed", "peer_education", ("completed_peer", "coordinators_of_completed_peer"),
         "peer_education_completed", events=("peer_education.completed",)),
    # -- courses --------------------------------------------------------------------------------------
    Rule("course.facilitator_invited", "courses", ("added_facilitator",), "facilitator_invited",
         events=("group_course.facilitator_added",)),
    Rule("course.participant_enrolled", "courses", ("enrolled_peer",), "participant_enrolled",
         events=("group_course.participant_enrolled",), sensitive=True,
         description="A peer got a place on a course (participation can be health-related)."),
    Rule("course.waitlist_promoted", "courses", ("promoted_peer",), "waitlist_promoted",
         events=("group_course.participant_promoted",), sensitive=True),
    Rule("course.session_changed", "courses", ("course_facilitators",), "session_changed",
         events=("group_course.session_rescheduled",), calendar=True),
    Rule("course.session_changed_for_participants", "courses", ("course_participants",),
         "session_changed_participant", events=("group_course.session_rescheduled",), sensitive=True),
    Rule("course.session_cancelled", "courses", ("course_facilitators", "course_participants"),
         "session_cancelled", events=("group_course.session_cancelled",), sensitive=True),
    Rule("course.cancelled", "courses", ("course_facilitators", "course_participants"), "course_cancelled",
         events=("group_course.cancelled",), sensitive=True),
    Rule("course.session_reminder", "course_reminders", ("course_facilitators",), "session_reminder",
         scheduled_by=("group_course.session_scheduled", "group_course.session_rescheduled",
                       "group_course.session_cancelled", "group_course.cancelled"),
         offsets_hours=(48, 24), calendar=True,
         description="48 and 24 hours before a session, with an iCalendar file; moved with the session, "
                     "dropped when it or the course is cancelled."),
    Rule("course.session_reminder_for_participants", "course_reminders", ("course_participants",),
         "session_reminder_participant",
         scheduled_by=("group_course.session_scheduled", "group_course.session_rescheduled",
                       "group_course.session_cancelled", "group_course.cancelled"),
         offsets_hours=(48, 24), sensitive=True),
    # -- network and national (the network service's events; names to be aligned) ----------------------
    Rule("network.meeting_scheduled", "network", ("meeting_invitees",), "meeting_scheduled",
         events=("network_meeting.scheduled",), calendar=True, awaiting_contract=True),
    Rule("network.meeting_changed", "network", ("meeting_invitees",), "meeting_changed",
         events=("network_meeting.changed",), calendar=True, awaiting_contract=True),
    Rule("network.meeting_cancelled", "network", ("meeting_invitees",), "meeting_cancelled",
         events=("network_meeting.cancelled",), awaiting_contract=True),
    Rule("national.event_announced", "national_events", ("newsletter_subscribers",), "national_event_announced",
         events=("national_event.announced",), awaiting_contract=True,
         description="Sent to those who subscribed to the newsletter (seed 004)."),
    Rule("national.registration_answered", "national_events", ("registrant",), "registration_answered",
         events=("national_event.registration_answered",), awaiting_contract=True),
    Rule("national.competence_module_published", "national_events", ("newsletter_subscribers",),
         "competence_module_published", events=("competence_module.published",), awaiting_contract=True),
)

BY_KEY = {rule.key: rule for rule in RULES}
CATEGORIES = tuple(sorted({rule.category for rule in RULES}))


def immediate(event_type: str) -> list[Rule]:
    return [r for r in RULES if event_type in r.events and not r.awaiting_contract]


def scheduling(event_type: str) -> list[Rule]:
    return [r for r in RULES if event_type in r.scheduled_by and not r.awaiting_contract]
