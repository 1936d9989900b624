"""The group course aggregate: recovery groups, recovery-school courses and the peer education.

One stream per course holds its facilitators, sessions (workshops), participants with the waitlist,
attendance, feedback and WHO-5 measurements: the rules that span them (capacity, promotion from the
waitlist, who may attend which session, completion) are decided on one consistent state, and the
stream's expected version makes two concurrent decisions on it a 409, never a double booking."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from runtime.domain import InvalidValue, NotFound, RuleBroken
from runtime.eventstore import NewEvent
from services.courses.domain import completion, who5
from runtime.service.aggregate import Aggregate

OPEN_STATUSES = ("planned", "running")


@dataclass
class Session:
    id: str
    title: str
    starts_at: str
    ends_at: str
    place: str
    programme: str = ""
    exercises: list = field(default_factory=list)
    facilitator_peer_ids: list = field(default_factory=list)
    status: str = "scheduled"  # scheduled | held | cancelled
    facilitations: list = field(default_factory=list)

    @property
    def minutes(self) -> int:
        delta = datetime.fromisoformat(self.ends_at) - datetime.fromisoformat(self.starts_at)
        return int(delta.total_seconds() // 60)


@dataclass
class Participant:
    id: str
    participant_type: str
    citizen_id: str | None
    peer_id: str | None
    status: str  # enrolled | waitlisted | withdrawn
    held_before_join: set = field(default_factory=set)

    @property
    def person(self) -> tuple:
        return (self.citizen_id, self.peer_id)

    @property
    def person_id(self) -> str:
        """The participant as a person: the vault's subject for what is said about them."""
        return self.peer_id or self.citizen_id



class GroupCourse(Aggregate):
    CATEGORY = "group_course"

    def __init__(self, course_id):
        super().__init__(course_id)
        self.kind = ""
        self.title = ""
        self.capacity = 0
        self.completion_rule: dict = {}
        self.status = "planned"
        self.facilitators: list[str] = []
        self.sessions: dict[str, Session] = {}
        self.participants: dict[str, Participant] = {}
        self.waitlist: list[str] = []  # participant ids, first come first served
        self.attendance: dict[tuple[str, str], str] = {}
        self.who5: dict[tuple[str, str], int] = {}
        self.completed: list[str] = []

    # -- state ------------------------------------------------------------------------------------------
    def on_planned(self, p):
        self.kind, self.title, self.capacity = p["kind"], p["title"], p["capacity"]
        self.completion_rule = p["completion_rule"]

    def on_capacity_changed(self, p):
        self.capacity = p["capacity"]

    def on_facilitator_added(self, p):
        self.facilitators.append(p["peer_id"])

    def on_facilitator_removed(self, p):
        self.facilitators.remove(p["peer_id"])

    def on_session_scheduled(self, p):
        self.sessions[p["session_id"]] = Session(
            p["session_id"], p["title"], p["starts_at"], p["ends_at"], p["place"], p.get("programme", ""),
            p.get("exercises", []), p.get("facilitator_peer_ids", []))

    def on_session_rescheduled(self, p):
        session = self.sessions[p["session_id"]]
        session.starts_at, session.ends_at, session.place = p["starts_at"], p["ends_at"], p["place"]

    def on_session_programme_set(self, p):
        session = self.sessions[p["session_id"]]
        session.programme, session.exercises = p["programme"], p["exercises"]

    def on_session_cancelled(self, p):
        self.sessions[p["session_id"]].status = "cancelled"

    def on_session_held(self, p):
        session = self.sessions[p["session_id"]]
        session.status, session.facilitations = "held", p["facilitations"]
        self.status = "running"

    def on_participant_enrolled(self, p):
        self.participants[p["participant_id"]] = Participant(
            p["participant_id"], p["participant_type"], p.get("citizen_id"), p.get("peer_id"), "enrolled",
            set(self.held_sessions()))

    def on_participant_waitlisted(self, p):
        self.on_participant_enrolled(p)
        self.participants[p["participant_id"]].status = "waitlisted"
        self.waitlist.append(p["participant_id"])

    def on_participant_promoted(self, p):
        participant = self.participants[p["participant_id"]]
        participant.status, participant.held_before_join = "enrolled", set(self.held_sessions())
        self.waitlist.remove(p["participant_id"])

    def on_participant_withdrew(self, p):
        participant = self.participants[p["participant_id"]]
        if participant.status == "waitlisted":
            self.waitlist.remove(participant.id)
        participant.status = "withdrawn"

    def on_attendance_recorded(self, p):
        self.attendance[(p["session_id"], p["participant_id"])] = p["status"]

    def on_who5_recorded(self, p):
        self.who5[(p["participant_id"], p["timing"])] = p["score"]

    def on_closed(self, p):
        self.status, self.completed = "closed", list(p["completed_participant_ids"])

    def on_cancelled(self, p):
        self.status = "cancelled"

    # -- queries ----------------------------------------------------------------------------------------
    def held_sessions(self) -> list[str]:
        held = [s for s in self.sessions.values() if s.status == "held"]
        return [s.id for s in sorted(held, key=lambda s: (s.starts_at, s.id))]

    def enrolled(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.status == "enrolled"]

    def free_places(self) -> int:
        return max(0, self.capacity - len(self.enrolled()))

    def is_facilitator(self, peer_id) -> bool:
        return str(peer_id) in self.facilitators

    def outcome_of(self, participant: Participant) -> completion.Outcome:
        attendance = {s: status for (s, pid), status in self.attendance.items() if pid == participant.id}
        return completion.evaluate(self.completion_rule, self.held_sessions(), participant.held_before_join,
                                   attendance)

    def session(self, session_id) -> Session:
        session = self.sessions.get(str(session_id))
        if session is None:
            raise NotFound(f"session {session_id} is not part of course {self.id}")
        return session

    def participant(self, participant_id) -> Participant:
        participant = self.participants.get(str(participant_id))
        if participant is None:
            raise NotFound(f"participant {participant_id} is not part of course {self.id}")
        return participant

    # -- commands ---------------------------------------------------------------------------------------
    def _require_open(self) -> None:
        if self.status not in OPEN_STATUSES:
            raise RuleBroken.field("status", f"the course is {self.status}")

    @staticmethod
    def plan(kind, title, description, method_ids, capacity, completion_rule, known_method_ids,
             facilitator_peer_ids=()) -> list[NewEvent]:
        unknown = [str(m) for m in method_ids if m not in known_method_ids]
        if unknown:
            raise InvalidValue.field("method_ids", "unknown method id(s): " + ", ".join(unknown))
        events = [NewEvent("group_course.planned", {
            "kind": kind, "title": title, "description": description,
            "method_ids": [str(m) for m in method_ids], "capacity": capacity,
            "completion_rule": dict(completion_rule)})]
        for peer_id in dict.fromkeys(str(p) for p in facilitator_peer_ids):
            events.append(NewEvent("group_course.facilitator_added", {"peer_id": peer_id}))
        return events

    def change_capacity(self, capacity: int) -> list[NewEvent]:
        self._require_open()
        if capacity < len(self.enrolled()):
            raise RuleBroken.field("capacity", "fewer places than participants enrolled; withdraw someone first")
        events = [NewEvent("group_course.capacity_changed", {"capacity": capacity})]
        free = capacity - len(self.enrolled())
        events += [NewEvent("group_course.participant_promoted", {"participant_id": pid})
                   for pid in self.waitlist[:free]]
        return events

    def add_facilitator(self, peer_id) -> list[NewEvent]:
        self._require_open()
        if self.is_facilitator(peer_id):
            return []
        return [NewEvent("group_course.facilitator_added", {"peer_id": str(peer_id)})]

    def remove_facilitator(self, peer_id) -> list[NewEvent]:
        self._require_open()
        if not self.is_facilitator(peer_id):
            raise NotFound(f"peer {peer_id} does not facilitate course {self.id}")
        return [NewEvent("group_course.facilitator_removed", {"peer_id": str(peer_id)})]

    def _check_times(self, starts_at: datetime, ends_at: datetime) -> None:
        if ends_at <= starts_at:
            raise InvalidValue.field("ends_at", "must be after starts_at")

    def _check_facilitators(self, peer_ids, field_name: str) -> None:
        strangers = [str(p) for p in peer_ids if not self.is_facilitator(p)]
        if strangers:
            raise InvalidValue.field(field_name, "not a facilitator of the course: " + ", ".join(strangers))

    def schedule_session(self, title, starts_at, ends_at, place, programme="", exercises=(),
                         facilitator_peer_ids=(), session_id=None) -> list[NewEvent]:
        self._require_open()
        self._check_times(starts_at, ends_at)
        self._check_facilitators(facilitator_peer_ids, "facilitator_peer_ids")
        return [NewEvent("group_course.session_scheduled", {
            "session_id": str(session_id or uuid.uuid4()), "title": title, "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(), "place": place, "programme": programme,
            "exercises": [dict(e) for e in exercises],
            "facilitator_peer_ids": [str(p) for p in facilitator_peer_ids]})]

    def _open_session(self, session_id) -> Session:
        self._require_open()
        session = self.session(session_id)
        if session.status != "scheduled":
            raise RuleBroken.field("session_id", f"the session is {session.status}")
        return session

    def reschedule_session(self, session_id, starts_at, ends_at, place) -> list[NewEvent]:
        self._open_session(session_id)
        self._check_times(starts_at, ends_at)
        return [NewEvent("group_course.session_rescheduled", {
            "session_id": str(session_id), "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
            "place": place})]

    def set_programme(self, session_id, programme, exercises) -> list[NewEvent]:
        self._require_open()
        self.session(session_id)
        return [NewEvent("group_course.session_programme_set", {
            "session_id": str(session_id), "programme": programme, "exercises": [dict(e) for e in exercises]})]

    def cancel_session(self, session_id) -> list[NewEvent]:
        self._open_session(session_id)
        return [NewEvent("group_course.session_cancelled", {"session_id": str(session_id)})]

    def hold_session(self, session_id, held_at: datetime, facilitations=None, attendance=()) -> list[NewEvent]:
        """The session took place. Facilitations default to the session's (or else the course's)
        facilitators for the scheduled duration; attendance may be recorded in the same call."""
        session = self._open_session(session_id)
        if facilitations is None:
            peers = session.facilitator_peer_ids or self.facilitators
            facilitations = [{"peer_id": p, "minutes": session.minutes} for p in peers]
        facilitations = [{"peer_id": str(f["peer_id"]), "minutes": f["minutes"]} for f in facilitations]
        if not facilitations:
            raise InvalidValue.field("facilitations", "a session is held by at least one facilitator")
        self._check_facilitators([f["peer_id"] for f in facilitations], "facilitations")
        events = [NewEvent("group_course.session_held", {
            "session_id": session.id, "held_at": held_at.isoformat(), "facilitations": facilitations})]
        for record in attendance:
            events += self._attendance_event(session.id, record["participant_id"], record["status"],
                                             record.get("minutes_late", 0))
        return events

    def _attendance_event(self, session_id, participant_id, status, minutes_late) -> list[NewEvent]:
        participant = self.participant(participant_id)
        if participant.status != "enrolled":
            raise RuleBroken.field("participant_id", f"the participant is {participant.status}")
        if minutes_late and status != "late":
            raise InvalidValue.field("minutes_late", "only for status late")
        return [NewEvent("group_course.attendance_recorded", {
            "session_id": str(session_id), "participant_id": participant.id, "status": status,
            "minutes_late": minutes_late or 0})]

    def record_attendance(self, session_id, participant_id, status, minutes_late=0) -> list[NewEvent]:
        self._require_open()
        session = self.session(session_id)
        if session.status != "held":
            raise RuleBroken.field("session_id", "attendance is recorded for held sessions; record the session held first")
        return self._attendance_event(session.id, participant_id, status, minutes_late)

    def enroll(self, participant_type, citizen_id=None, peer_id=None, participant_id=None) -> list[NewEvent]:
        self._require_open()
        if (citizen_id is None) == (peer_id is None):
            raise InvalidValue.field("citizen_id", "give exactly one of citizen_id and peer_id")
        person = (str(citizen_id) if citizen_id else None, str(peer_id) if peer_id else None)
        if any(p.person == person and p.status != "withdrawn" for p in self.participants.values()):
            raise RuleBroken.field("citizen_id" if citizen_id else "peer_id", "already enrolled or waitlisted")
        payload = {"participant_id": str(participant_id or uuid.uuid4()), "participant_type": participant_type,
                   "citizen_id": person[0], "peer_id": person[1]}
        full = self.free_places() == 0 or bool(self.waitlist)
        return [NewEvent("group_course.participant_waitlisted" if full else "group_course.participant_enrolled",
                         payload)]

    def withdraw(self, participant_id) -> list[NewEvent]:
        self._require_open()
        participant = self.participant(participant_id)
        if participant.status == "withdrawn":
            return []
        events = [NewEvent("group_course.participant_withdrew", {"participant_id": participant.id})]
        if participant.status == "enrolled" and self.waitlist:
            # The freed place goes to the first on the waitlist, without anyone having to remember.
            events.append(NewEvent("group_course.participant_promoted", {"participant_id": self.waitlist[0]}))
        return events

    def give_feedback(self, participant_id, interviewed_by, text, rating=None, session_id=None) -> list[NewEvent]:
        if self.status == "cancelled":
            raise RuleBroken.field("status", "the course is cancelled")
        participant = self.participant(participant_id)
        if participant.status == "waitlisted":
            raise RuleBroken.field("participant_id", "the participant is waitlisted")
        if session_id is not None:
            self.session(session_id)
        return [NewEvent("group_course.feedback_given", {
            "feedback_id": str(uuid.uuid4()), "participant_id": participant.id,
            "session_id": str(session_id) if session_id else None, "person_id": participant.person_id,
            "interviewed_by": str(interviewed_by),
            "rating": rating, "text": text})]

    def record_who5(self, participant_id, timing, items) -> list[NewEvent]:
        if self.status == "cancelled":
            raise RuleBroken.field("status", "the course is cancelled")
        participant = self.participant(participant_id)
        if participant.status != "enrolled":
            raise RuleBroken.field("participant_id", f"the participant is {participant.status}")
        return [NewEvent("group_course.who5_recorded", {
            "participant_id": participant.id, "person_id": participant.person_id, "timing": timing,
            **who5.score(items)})]

    def close(self) -> list[NewEvent]:
        self._require_open()
        completed = [p.id for p in self.enrolled() if self.outcome_of(p).completed]
        return [NewEvent("group_course.closed", {"completed_participant_ids": completed,
                                                 "sessions_held": len(self.held_sessions())})]

    def cancel(self, reason: str) -> list[NewEvent]:
        self._require_open()
        if self.held_sessions():
            raise RuleBroken.field("status", "sessions were held; close the course instead")
        return [NewEvent("group_course.cancelled", {"reason": reason})]
