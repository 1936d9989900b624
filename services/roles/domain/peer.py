"""The peer aggregate: who the peer is, their employment terms, secondments and accommodation needs.

Stream `peer-<peer id>`; the id is the `sub` of the peer's token, and the id the courses service
reports activities for.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from runtime.service.aggregate import Aggregate
from runtime.domain import InvalidValue, RuleBroken
from runtime.eventstore import NewEvent, stream_name
from services.roles.template import template

CATEGORY = "peer"
VOLUNTEER_TITLE = "frivillig peer"
CRISIS_PLAN_PARTS = ("warning_signs", "triggers", "what_helps", "whom_to_call")
# Whom the peer allowed to read what: the event, the list of readers it changes, and whether it adds.
_ACCESS_EVENTS = {
    "peer.accommodation_access_granted": ("accommodation_readers", True),
    "peer.accommodation_access_revoked": ("accommodation_readers", False),
    "peer.crisis_plan_access_granted": ("crisis_plan_readers", True),
    "peer.crisis_plan_access_revoked": ("crisis_plan_readers", False),
}


def stream_of(peer_id) -> str:
    return stream_name(CATEGORY, peer_id)


def national_stream_of(peer_id) -> str:
    """The peer's kind for the national level: a stream apart, so the peer's own stream keeps its versions."""
    return stream_name("peer_kind", peer_id)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass
class Peer(Aggregate):
    id: str
    version: int = -1
    kind: str = ""
    title: str = ""
    name: str = ""
    workplace: str = ""
    leader_id: str | None = None
    mentor_id: str | None = None
    function_description_id: str | None = None
    terms: dict | None = None
    secondments: list = field(default_factory=list)
    accommodation_needs: object = None  # sealed in the read model, opened for allowed readers
    accommodation_readers: list = field(default_factory=list)
    crisis_plan: dict | None = None  # {part: sealed value} in the read model, opened for allowed readers
    crisis_plan_readers: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)

    CATEGORY = CATEGORY

    def __post_init__(self):
        self.id = str(self.id)  # the `sub` of the peer's token, compared as text

    # -- state (one handler per event, runtime/service/aggregate.py) ------------------------------------------
    def on_registered(self, payload: dict) -> None:
        self.kind, self.title, self.name = payload["kind"], payload["title"], payload["name"]
        self.workplace = payload["workplace"]
        for key in ("leader_id", "mentor_id", "function_description_id"):
            setattr(self, key, None if payload.get(key) is None else str(payload[key]))

    def on_assignment_changed(self, payload: dict) -> None:
        for key, value in payload.items():
            setattr(self, key, None if value is None else str(value))

    def on_terms_set(self, payload: dict) -> None:
        self.terms = {k: payload[k] for k in ("weekly_hours", "working_times", "break_minutes")}

    def on_seconded(self, payload: dict) -> None:
        self.secondments = [*self.secondments, {k: str(v) for k, v in payload.items()}]

    def on_accommodation_needs_recorded(self, payload: dict) -> None:
        self.accommodation_needs = payload["needs"]

    def on_crisis_plan_recorded(self, payload: dict) -> None:
        self.crisis_plan = {part: payload[part] for part in CRISIS_PLAN_PARTS}

    def on_accommodation_access_granted(self, payload: dict) -> None:
        self._access_changed("peer.accommodation_access_granted", payload)

    def on_accommodation_access_revoked(self, payload: dict) -> None:
        self._access_changed("peer.accommodation_access_revoked", payload)

    def on_crisis_plan_access_granted(self, payload: dict) -> None:
        self._access_changed("peer.crisis_plan_access_granted", payload)

    def on_crisis_plan_access_revoked(self, payload: dict) -> None:
        self._access_changed("peer.crisis_plan_access_revoked", payload)

    def _access_changed(self, event_type: str, payload: dict) -> None:
        readers, granted = _ACCESS_EVENTS[event_type]
        person, current = str(payload["person_id"]), getattr(self, readers)
        setattr(self, readers, sorted({*current, person}) if granted else [p for p in current if p != person])

    def on_task_agreed(self, payload: dict) -> None:
        self.tasks = [*self.tasks, {"task_id": str(payload["task_id"]), "title": payload["title"],
                                    "success_criteria": [{**c, "criterion_id": str(c["criterion_id"])}
                                                         for c in payload["success_criteria"]]}]

    def on_monthly_evaluation_held(self, payload: dict) -> None:
        self.evaluations = [*self.evaluations, {
            "month": payload["month"], "days_expected": payload["days_expected"],
            "days_present": payload["days_present"], "note": payload.get("note"),
            "tasks": [{"task_id": str(t["task_id"]), "completion_percent": t["completion_percent"]}
                      for t in payload["tasks"]]}]

    # -- rules ------------------------------------------------------------------------------------
    def may_read_accommodation_needs(self, subject: str) -> bool:
        """Only the peer, their leader and whoever the peer allowed."""
        return subject in {self.id, self.leader_id, *self.accommodation_readers}

    def may_read_crisis_plan(self, subject: str) -> bool:
        """The plan is the peer's own (seed 000): only the peer and whoever the peer allowed, not even their leader."""
        return subject in {self.id, *self.crisis_plan_readers}

    # -- commands ---------------------------------------------------------------------------------
    @staticmethod
    def register(details: dict) -> list[NewEvent]:
        if details.get("title") == VOLUNTEER_TITLE and details.get("kind") != "volunteer":
            raise InvalidValue("'frivillig peer' is the title of a volunteer",
                               [{"field": "title", "reason": "a paid peer has one of the paid titles"}])
        payload = {k: details.get(k) for k in ("kind", "title", "name", "workplace", "leader_id", "mentor_id",
                                                "function_description_id")}
        for key in ("leader_id", "mentor_id", "function_description_id"):
            payload[key] = None if payload[key] is None else str(payload[key])
        return [NewEvent("peer.registered", payload)]

    @staticmethod
    def shared_nationally(details: dict) -> list[NewEvent]:
        """What the national level learns of a registration (its own stream, national_stream_of): the kind."""
        return [NewEvent("peer_kind.registered", {"kind": details["kind"]})]

    def change_assignment(self, changes: dict) -> list[NewEvent]:
        changed = {k: None if v is None else str(v) for k, v in changes.items()
                   if k in ("leader_id", "mentor_id", "function_description_id")
                   and getattr(self, k) != (None if v is None else str(v))}
        return [NewEvent("peer.assignment_changed", changed)] if changed else []

    def set_terms(self, weekly_hours: float, working_times: list[dict], break_minutes: int) -> list[NewEvent]:
        minimum = template()["professional_profile"]["minimum_weekly_hours"]
        if self.kind == "paid" and weekly_hours < minimum:
            raise InvalidValue(
                f"en lønnet stilling kræver mindst {minimum} timer om ugen (funktionsbeskrivelsens faglige profil)",
                [{"field": "weekly_hours",
                  "reason": f"under the template's minimum of {minimum} hours a week for a paid peer"}])
        errors, days = [], set()
        for i, slot in enumerate(working_times):
            if _minutes(slot["ends"]) <= _minutes(slot["starts"]):
                errors.append({"field": f"working_times[{i}].ends", "reason": "must be after starts"})
            if slot["weekday"] in days:
                errors.append({"field": f"working_times[{i}].weekday", "reason": "the day is given twice"})
            days.add(slot["weekday"])
        if errors:
            raise InvalidValue("invalid working times", errors)
        return [NewEvent("peer.terms_set", {"weekly_hours": weekly_hours, "working_times": working_times,
                                            "break_minutes": break_minutes})]

    def second(self, from_unit: str, to_unit: str, starts_on: date, ends_on: date,
               personnel_leader_id) -> list[NewEvent]:
        if ends_on < starts_on:
            raise InvalidValue("a secondment ends after it starts",
                               [{"field": "ends_on", "reason": "before starts_on"}])
        if from_unit == to_unit:
            raise InvalidValue("a secondment is to another unit", [{"field": "to_unit", "reason": "same as from_unit"}])
        for other in self.secondments:
            if starts_on.isoformat() <= other["ends_on"] and other["starts_on"] <= ends_on.isoformat():
                raise RuleBroken("the peer is already seconded in that period",
                               [{"field": "starts_on", "reason": "overlaps another secondment"}])
        return [NewEvent("peer.seconded", {
            "from_unit": from_unit, "to_unit": to_unit, "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(), "personnel_leader_id": str(personnel_leader_id)})]

    def record_accommodation_needs(self, needs: list[str]) -> list[NewEvent]:
        return [NewEvent("peer.accommodation_needs_recorded", {"needs": needs})]

    def grant_accommodation_access(self, person_id) -> list[NewEvent]:
        return self._change_access("accommodation", person_id, granted=True)

    def revoke_accommodation_access(self, person_id) -> list[NewEvent]:
        return self._change_access("accommodation", person_id, granted=False)

    @staticmethod
    def record_crisis_plan(plan: dict) -> list[NewEvent]:
        return [NewEvent("peer.crisis_plan_recorded", {part: list(plan[part]) for part in CRISIS_PLAN_PARTS})]

    def grant_crisis_plan_access(self, person_id) -> list[NewEvent]:
        return self._change_access("crisis_plan", person_id, granted=True)

    def revoke_crisis_plan_access(self, person_id) -> list[NewEvent]:
        return self._change_access("crisis_plan", person_id, granted=False)

    def _change_access(self, what: str, person_id, *, granted: bool) -> list[NewEvent]:
        """Allow (or stop allowing) a person to read `what`; nothing when that is already so."""
        event_type = f"peer.{what}_access_{'granted' if granted else 'revoked'}"
        readers, _ = _ACCESS_EVENTS[event_type]
        if (str(person_id) in getattr(self, readers)) == granted:
            return []
        return [NewEvent(event_type, {"person_id": str(person_id)})]


def agree_task(title: str, criteria: list[dict]) -> list[NewEvent]:
    return [NewEvent("peer.task_agreed", {
        "task_id": str(uuid.uuid4()), "title": title,
        "success_criteria": [{"criterion_id": str(uuid.uuid4()), **c} for c in criteria]})]


def evaluate_month(peer: "Peer", month: str, tasks: list[dict], days_expected: int, days_present: int,
                   note: str | None) -> list[NewEvent]:
    if any(e["month"] == month for e in peer.evaluations):
        raise RuleBroken(f"the evaluation of {month} was held already",
                       [{"field": "month", "reason": "already evaluated"}])
    known = {t["task_id"] for t in peer.tasks}
    errors = [{"field": f"tasks[{i}].task_id", "reason": "not a task agreed with the peer"}
              for i, t in enumerate(tasks) if str(t["task_id"]) not in known]
    if days_present > days_expected:
        errors.append({"field": "days_present", "reason": "more than days_expected"})
    if errors:
        raise InvalidValue("invalid evaluation", errors)
    return [NewEvent("peer.monthly_evaluation_held", {
        "month": month, "tasks": [{"task_id": str(t["task_id"]), "completion_percent": t["completion_percent"]}
                                  for t in tasks],
        "days_expected": days_expected, "days_present": days_present, "note": note})]


def task_progress(peer: "Peer", group_sessions_held: int) -> list[dict]:
    """Each task with its criteria's progress: derived from the courses service's reports where the measure
    allows (group sessions the peer held), else the latest monthly evaluation's completion."""
    latest = {}
    for evaluation in peer.evaluations:
        for t in evaluation["tasks"]:
            latest[t["task_id"]] = t["completion_percent"]
    result = []
    for task in peer.tasks:
        criteria = []
        for c in task["success_criteria"]:
            achieved = min(group_sessions_held, c["target"]) if c["measure"] == "group_sessions_held" else None
            criteria.append({**c, "achieved": achieved,
                             "met": None if achieved is None else achieved >= c["target"]})
        derived = [c for c in criteria if c["achieved"] is not None]
        result.append({**task, "success_criteria": criteria, "evaluated_percent": latest.get(task["task_id"]),
                       "derived_percent": (sum(100 * c["achieved"] // c["target"] for c in derived) // len(derived))
                       if derived else None})
    return result


def new_id() -> str:
    return str(uuid.uuid4())
