"""The rules: which event tells whom what, on which channels. Data, served as `GET /rules`.

A rule is either immediate (`events`: sent when one of them is consumed) or a reminder
(`scheduled_by`: the events that schedule, move or drop it; `offsets_hours` before the moment, or
`at` a moment the cause names). Recipients are resolver names (recipients.py) that yield person ids
when the message is planned; their e-mail address is fetched from roles when it is sent.

`sensitive`: the message is about health, support or a citizen, so the e-mail only says that there
is a message and links to the inbox. `critical`: preferences cannot switch it off (nor a digest
delay it). `awaiting_contract` (computed): some of its events are not registered in contracts/ (yet:
another service's contract still on its way); the rule is data only until they are, then live as is.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache

import contracts

EMAIL, INBOX = "email", "inbox"
CHANNELS = (EMAIL, INBOX)


@cache
def _registered_types() -> frozenset[str]:
    return frozenset(c.type for c in contracts.all_contracts())  # all registered once `contracts` is imported


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
    description: str = field(default="")

    @property
    def missing_contracts(self) -> tuple[str, ...]:
        """Its event types that contracts/ does not register (yet): then the rule is data only."""
        return tuple(t for t in self.events + self.scheduled_by if t not in _registered_types())

    @property
    def awaiting_contract(self) -> bool:
        return bool(self.missing_contracts)

    def as_dict(self) -> dict:
        fields_ = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        return {**fields_, "awaiting_contract": self.awaiting_contract, "missing_contracts": list(self.missing_contracts)}


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
    Rule("volunteer.statement_eligibility_reached", "volunteering", ("agreement_coordinator",),
         "statement_eligibility_reached", events=("volunteer.statement_eligibility_reached",),
         description="A volunteer first met the rule for a statement (udtalelse): active at least half a "
                     "year, at least 10 volunteer activities, the peer education completed (counts only)."),
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
    # -- network (its `meeting_notice` and `network_activity` facts) --------------------------------------
    Rule("network.meeting_invitation", "network", ("meeting_invitees",), "meeting_invitation",
         events=("meeting_notice.scheduled",), calendar=True,
         description="A network meeting, supervision on equal terms, sparring or development meeting was "
                     "scheduled (or more peers invited): the invitees, with an iCalendar file of its occurrences."),
    Rule("network.meeting_changed", "network", ("meeting_invitees",), "meeting_changed",
         events=("meeting_notice.changed",), calendar=True,
         description="One occurrence moved in time or place: the updated calendar entry (same UID, next SEQUENCE)."),
    Rule("network.meeting_cancelled", "network", ("meeting_invitees",), "meeting_cancelled",
         events=("meeting_notice.cancelled",), calendar=True,
         description="One occurrence, or every one not yet held, is cancelled (calendar entries STATUS:CANCELLED)."),
    Rule("network.meeting_reminder", "network_reminders", ("meeting_invitees",), "meeting_reminder",
         scheduled_by=("meeting_notice.scheduled", "meeting_notice.changed", "meeting_notice.cancelled"),
         offsets_hours=(48, 24), calendar=True,
         description="48 and 24 hours before each occurrence, with an iCalendar file; moved with the "
                     "occurrence, dropped when it or the meeting is cancelled."),
    Rule("network.signed_up", "network", ("acting_peer",), "meeting_signed_up",
         events=("meeting_notice.signed_up",), calendar=True,
         description="The peer's confirmation of signing up for one occurrence, with its calendar entry."),
    Rule("network.sign_up_cancelled", "network", ("acting_peer",), "meeting_sign_up_cancelled",
         events=("meeting_notice.sign_up_cancelled",)),
    Rule("network.attendance_counted", "network", ("acting_peer",), "meeting_attended",
         events=("network_activity.attended",),
         description="The peer's attendance was recorded: for a volunteer it counts as a volunteer activity."),
    # -- national (what the national instance announces to every instance, as network and courses keep it)
    Rule("national.event_announced", "national_events", ("newsletter_subscribers",), "national_event_announced",
         events=("national_event_notice.announced",),
         description="A national event (e.g. the yearly peer meetup) announced to every instance: to those who "
                     "subscribed to the newsletter (seed 004: people sign up for events through a newsletter)."),
    Rule("national.registration_answered", "national_events", ("registrant",), "registration_answered",
         events=("national_sign_up.accepted", "national_sign_up.waitlisted", "national_sign_up.promoted",
                 "national_sign_up.cancelled"),
         description="The national instance answered a registration (a place, the waitlist and its position, "
                     "promoted from it, cancelled): to the registrant, whom the network service knows by the "
                     "instance's own sign-up (the national level knows only a pseudonym)."),
    Rule("national.competence_module_published", "national_events", ("newsletter_subscribers",),
         "competence_module_published", events=("catalogue_module.received",),
         description="A competence module (or a new version of one) of the national catalogue reached the "
                     "instance (courses keeps the catalogue): to the newsletter's subscribers."),
)

BY_KEY = {rule.key: rule for rule in RULES}
CATEGORIES = tuple(sorted({rule.category for rule in RULES}))


def immediate(event_type: str) -> list[Rule]:
    return [r for r in RULES if event_type in r.events and not r.awaiting_contract]


def scheduling(event_type: str) -> list[Rule]:
    return [r for r in RULES if event_type in r.scheduled_by and not r.awaiting_contract]
