"""The meeting aggregate: a network meeting, group supervision (supervision på lige fod), a monthly
sparring meeting or a development meeting, of a network or a workplace.

One stream per meeting holds its schedule (expanded to occurrences), the exceptions (an occurrence
moved or cancelled), each occurrence's theme and agenda, invitations, sign-ups and attendance, so
the rules that span them are decided on one state. Who may sign up is given by the caller (a
network's members, the meeting's invitees and facilitators): membership is the network's."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from contracts.network import SPARRING_THEMES
from runtime.service.aggregate import Aggregate
from runtime.domain import InvalidValue, NotFound, RuleBroken
from runtime.eventstore import NewEvent
from services.network.domain import schedule as schedules


@dataclass
class Occurrence:
    key: str
    starts_at: str
    ends_at: str
    place: str
    status: str = "scheduled"  # scheduled | cancelled | held
    theme: str | None = None
    agenda: list = field(default_factory=list)
    sign_ups: dict = field(default_factory=dict)  # peer id -> note (plaintext once opened)
    attendance: dict = field(default_factory=dict)  # peer id -> status
    held_at: str | None = None
    duration_minutes: int = 0

    @property
    def minutes(self) -> int:
        delta = datetime.fromisoformat(self.ends_at) - datetime.fromisoformat(self.starts_at)
        return int(delta.total_seconds() // 60)

    def present(self) -> list[str]:
        return [p for p, status in self.attendance.items() if status == "present"]


class Meeting(Aggregate):
    CATEGORY = "meeting"

    def __init__(self, meeting_id):
        super().__init__(meeting_id)
        self.kind = self.title = self.place = ""
        self.network_id: str | None = None
        self.workplace: str | None = None
        self.facilitators: list[str] = []
        self.invitees: list[str] = []
        self.occurrences: dict[str, Occurrence] = {}
        self.status = "active"

    # -- state ------------------------------------------------------------------------------------------
    def on_scheduled(self, p):
        self.kind, self.title, self.place = p["kind"], p["title"], p["place"]
        self.network_id = str(p["network_id"]) if p.get("network_id") else None
        self.workplace = p.get("workplace")
        self.facilitators = [str(f) for f in p.get("facilitator_peer_ids", [])]
        for o in p["occurrences"]:
            self.occurrences[o["occurrence"]] = Occurrence(o["occurrence"], o["starts_at"], o["ends_at"], p["place"])

    def on_invited(self, p):
        self.invitees += [str(i) for i in p["peer_ids"] if str(i) not in self.invitees]

    def on_occurrence_moved(self, p):
        o = self.occurrences[p["occurrence"]]
        o.starts_at, o.ends_at, o.place = p["starts_at"], p["ends_at"], p["place"]

    def on_occurrence_cancelled(self, p):
        self.occurrences[p["occurrence"]].status = "cancelled"

    def on_cancelled(self, p):
        self.status = "cancelled"
        for o in self.occurrences.values():
            if o.status == "scheduled":
                o.status = "cancelled"

    def on_agenda_set(self, p):
        o = self.occurrences[p["occurrence"]]
        o.theme, o.agenda = p.get("theme"), list(p["agenda"])

    def on_signed_up(self, p):
        self.occurrences[p["occurrence"]].sign_ups[str(p["peer_id"])] = p.get("note")

    def on_sign_up_cancelled(self, p):
        self.occurrences[p["occurrence"]].sign_ups.pop(str(p["peer_id"]), None)

    def on_held(self, p):
        o = self.occurrences[p["occurrence"]]
        o.status, o.held_at, o.duration_minutes = "held", p["held_at"], p["duration_minutes"]
        o.attendance = {str(a["peer_id"]): a["status"] for a in p["attendance"]}

    def on_attendance_recorded(self, p):
        self.occurrences[p["occurrence"]].attendance[str(p["peer_id"])] = p["status"]

    # -- queries ----------------------------------------------------------------------------------------
    def occurrence(self, key) -> Occurrence:
        found = self.occurrences.get(str(key))
        if found is None:
            raise NotFound(f"occurrence {key} is not part of meeting {self.id}")
        return found

    def is_facilitator(self, peer_id) -> bool:
        return str(peer_id) in self.facilitators

    def _scheduled(self, key) -> Occurrence:
        if self.status != "active":
            raise RuleBroken.field("status", "the meeting is cancelled")
        o = self.occurrence(key)
        if o.status != "scheduled":
            raise RuleBroken.field("occurrence", f"the occurrence is {o.status}")
        return o

    # -- commands ---------------------------------------------------------------------------------------
    @staticmethod
    def schedule(kind, title, place, schedule, network_id=None, workplace=None,
                 facilitator_peer_ids=()) -> list[NewEvent]:
        if (network_id is None) == (workplace is None):
            raise InvalidValue.field("network_id", "give exactly one of network_id and workplace")
        occurrences = schedules.expand(schedule)
        stored = {**schedule, "starts_at": schedule["starts_at"].isoformat(),
                  "until": schedule["until"].isoformat() if schedule.get("until") else None}
        return [NewEvent("meeting.scheduled", {
            "kind": kind, "title": title, "place": place, "network_id": str(network_id) if network_id else None,
            "workplace": workplace, "facilitator_peer_ids": [str(p) for p in dict.fromkeys(facilitator_peer_ids)],
            "schedule": stored, "occurrences": occurrences})]

    def invite(self, peer_ids) -> list[NewEvent]:
        if self.status != "active":
            raise RuleBroken.field("status", "the meeting is cancelled")
        new = [str(p) for p in dict.fromkeys(str(p) for p in peer_ids) if p not in self.invitees]
        return [NewEvent("meeting.invited", {"peer_ids": new})] if new else []

    def move(self, key, starts_at: datetime, ends_at: datetime, place, reason) -> list[NewEvent]:
        self._scheduled(key)
        if ends_at <= starts_at:
            raise InvalidValue.field("ends_at", "must be after starts_at")
        return [NewEvent("meeting.occurrence_moved", {
            "occurrence": str(key), "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
            "place": place or self.occurrence(key).place, "reason": reason})]

    def cancel_occurrence(self, key, reason) -> list[NewEvent]:
        self._scheduled(key)
        return [NewEvent("meeting.occurrence_cancelled", {"occurrence": str(key), "reason": reason})]

    def cancel(self, reason) -> list[NewEvent]:
        if self.status != "active":
            raise RuleBroken.field("status", "the meeting is cancelled")
        return [NewEvent("meeting.cancelled", {"reason": reason})]

    def set_agenda(self, key, theme, agenda) -> list[NewEvent]:
        o = self.occurrence(key)
        if o.status == "cancelled":
            raise RuleBroken.field("occurrence", "the occurrence is cancelled")
        if self.kind == "sparring_meeting" and theme not in SPARRING_THEMES:
            raise InvalidValue.field("theme", "a sparring meeting's theme is one of seed 001's: "
                                     + ", ".join(SPARRING_THEMES))
        return [NewEvent("meeting.agenda_set", {"occurrence": o.key, "theme": theme,
                                                "agenda": [dict(item) for item in agenda]})]

    def sign_up(self, key, peer_id, note, may_take_part: bool) -> list[NewEvent]:
        o = self._scheduled(key)
        if not may_take_part:
            raise RuleBroken.field("peer_id", "only the network's members and the meeting's invitees sign up")
        if str(peer_id) in o.sign_ups:
            raise RuleBroken.field("peer_id", "already signed up for this occurrence")
        return [NewEvent("meeting.signed_up", {"occurrence": o.key, "peer_id": str(peer_id), "note": note or None})]

    def cancel_sign_up(self, key, peer_id) -> list[NewEvent]:
        o = self._scheduled(key)
        if str(peer_id) not in o.sign_ups:
            raise NotFound(f"peer {peer_id} is not signed up for occurrence {key}")
        return [NewEvent("meeting.sign_up_cancelled", {"occurrence": o.key, "peer_id": str(peer_id)})]

    def hold(self, key, attendance, may_take_part, held_at: datetime | None = None,
             duration_minutes: int | None = None) -> list[NewEvent]:
        """The occurrence took place; `attendance` [{peer_id, status}], `may_take_part(peer_id)` says who
        could attend (members, invitees, facilitators). Defaults: its start and its scheduled length."""
        o = self._scheduled(key)
        records = {str(a["peer_id"]): a["status"] for a in attendance}
        strangers = sorted(p for p in records if not may_take_part(p))
        if strangers:
            raise InvalidValue.field("attendance", "not a member or invitee: " + ", ".join(strangers))
        return [NewEvent("meeting.held", {
            "occurrence": o.key, "held_at": (held_at or datetime.fromisoformat(o.starts_at)).isoformat(),
            "duration_minutes": duration_minutes or o.minutes,
            "attendance": [{"peer_id": p, "status": s} for p, s in records.items()]})]

    def record_attendance(self, key, peer_id, status, may_take_part: bool) -> list[NewEvent]:
        o = self.occurrence(key)
        if o.status != "held":
            raise RuleBroken.field("occurrence", "attendance is recorded for held occurrences; record it held first")
        if not may_take_part:
            raise InvalidValue.field("peer_id", "not a member or invitee")
        if o.attendance.get(str(peer_id)) == status:
            return []
        return [NewEvent("meeting.attendance_recorded", {"occurrence": o.key, "peer_id": str(peer_id),
                                                         "status": status})]
