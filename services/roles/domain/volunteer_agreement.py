"""The volunteer agreement (frivilligaftale, seed 003): drafted with the seed's fields, active once the
volunteer and the coordinator both signed, half a year at a time, renewed by a conversation, paused and
resumed, ended by either party with a reason.

Every date comes from the command (the request), never from the clock, so folding the events gives
the same state live and in a rebuild.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from runtime.service.aggregate import Aggregate
from runtime.domain import InvalidValue, RuleBroken
from runtime.eventstore import NewEvent, stream_name

CATEGORY = "volunteer_agreement"
TERM_MONTHS = 6
RENEWAL_NOTICE_DAYS = 30  # renewal is due this long before the term ends
ACTIVATING_RECORD_CHECKS = ("not_requested", "clean")
PERSONAL = ("name", "address", "postcode", "city", "phone", "email", "cpr")


def stream_of(agreement_id) -> str:
    return stream_name(CATEGORY, agreement_id)


def term_stream_of(agreement_id) -> str:
    """The agreement's span for the national level (`agreement_term.reported`): a stream apart, so the
    agreement's own stream keeps its versions and nothing of its fields travels with it."""
    return stream_name("agreement_term", agreement_id)


TERM_CHANGES = ("volunteer_agreement.activated", "volunteer_agreement.renewed", "volunteer_agreement.ended")


def term_facts(agreement: "VolunteerAgreement", new_events) -> list[tuple[str, NewEvent]]:
    """The national fact that follows from new events that change the span the agreement runs (`agreement`
    is its state after them): from `active_from` until the current term's end, or the day it ended. An
    agreement ended before it was ever active runs no span and reports nothing."""
    if agreement.active_from is None or not any(e.type in TERM_CHANGES for e in new_events):
        return []
    until = _d(agreement.ended["ended_on"]) if agreement.ended else _d(agreement.term_ends_on)
    return [(term_stream_of(agreement.id), NewEvent("agreement_term.reported", {
        "active_from": agreement.active_from, "active_until": max(until, _d(agreement.active_from)).isoformat()}))]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def half_a_year_from(day: date) -> date:
    return add_months(day, TERM_MONTHS)


def renewal_due_on(term_ends_on) -> date:
    return _d(term_ends_on) - timedelta(days=RENEWAL_NOTICE_DAYS)


def renewal_due(status: str, term_ends_on, as_of: date) -> bool:
    """The rule: an agreement that runs (active or paused) is due for its renewal conversation from
    RENEWAL_NOTICE_DAYS before its term ends. The aggregate, the list and the reminders all ask this."""
    return status in ("active", "paused") and term_ends_on is not None and renewal_due_on(term_ends_on) <= as_of


def _d(value) -> date | None:
    return None if value is None else value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass
class VolunteerAgreement(Aggregate):
    id: str
    version: int = -1
    volunteer_id: str = ""
    coordinator_id: str = ""
    status: str = "draft"  # draft -> active <-> paused -> ended
    details: dict = field(default_factory=dict)  # the seed's fields; personal ones sealed in the read model
    confidentiality_accepted: bool = False
    criminal_record_check: str = "not_requested"
    signatures: dict = field(default_factory=dict)  # party -> {"signed_by", "signed_on"}
    active_from: str | None = None
    term_ends_on: str | None = None
    pauses: list = field(default_factory=list)  # [{"from", "until" or None}]
    ended: dict | None = None
    renewals: list = field(default_factory=list)
    statement_issued_on: str | None = None
    renewal_raised_for: str | None = None  # the term end whose renewal was raised

    CATEGORY = CATEGORY

    def __post_init__(self):
        self.id = str(self.id)

    @property
    def open_pause(self) -> dict | None:
        return self.pauses[-1] if self.pauses and self.pauses[-1]["until"] is None else None

    # -- state (one handler per event, runtime/service/aggregate.py) ------------------------------------------
    def on_drafted(self, payload: dict) -> None:
        self.volunteer_id, self.coordinator_id = str(payload["volunteer_id"]), str(payload["coordinator_id"])
        self.details = {k: str(payload[k]) for k in ("project", "start_date", *PERSONAL)}
        self.confidentiality_accepted = payload["confidentiality_accepted"]
        self.criminal_record_check = payload["criminal_record_check"]

    def on_criminal_record_check_updated(self, payload: dict) -> None:
        self.criminal_record_check = payload["status"]

    def on_confidentiality_accepted(self, payload: dict) -> None:
        self.confidentiality_accepted = True

    def on_signed(self, payload: dict) -> None:
        self.signatures = {**self.signatures, payload["party"]: {
            "signed_by": str(payload["signed_by"]), "signed_on": str(payload["signed_on"])}}

    def on_activated(self, payload: dict) -> None:
        self.status, self.active_from = "active", str(payload["active_from"])
        self.term_ends_on = str(payload["term_ends_on"])

    def on_renewal_due_raised(self, payload: dict) -> None:
        self.renewal_raised_for = str(payload["term_ends_on"])

    def on_renewed(self, payload: dict) -> None:
        self.term_ends_on = str(payload["term_ends_on"])
        self.renewals = [*self.renewals, str(payload["conversation_on"])]

    def on_pause_announced(self, payload: dict) -> None:
        self.status = "paused"
        self.pauses = [*self.pauses, {"from": str(payload["pause_from"]), "until": None}]

    def on_resumed(self, payload: dict) -> None:
        self.status = "active"
        self.pauses = [*self.pauses[:-1], {**self.pauses[-1], "until": str(payload["resumed_on"])}]

    def on_ended(self, payload: dict) -> None:
        self.status = "ended"
        self.ended = {k: str(payload[k]) for k in ("ended_by", "reason", "ended_on")}
        if self.open_pause:
            self.pauses = [*self.pauses[:-1], {**self.pauses[-1], "until": self.ended["ended_on"]}]

    def on_statement_issued(self, payload: dict) -> None:
        self.statement_issued_on = str(payload["issued_on"])

    # -- rules ------------------------------------------------------------------------------------
    def missing_for_activation(self) -> list[dict]:
        missing = []
        if not self.confidentiality_accepted:
            missing.append({"field": "confidentiality_accepted", "reason": "tavshedspligten er ikke accepteret"})
        if self.criminal_record_check not in ACTIVATING_RECORD_CHECKS:
            missing.append({"field": "criminal_record_check",
                            "reason": f"straffeattest: {self.criminal_record_check}, not clean"})
        return missing

    def active_days(self, as_of: date) -> int:
        """Days the agreement was active up to `as_of` (exclusive): from activation to the end or `as_of`,
        less paused days."""
        if self.active_from is None:
            return 0
        until = min(as_of, _d(self.ended["ended_on"])) if self.ended else as_of
        days = max(0, (until - _d(self.active_from)).days)
        for pause in self.pauses:
            start, end = _d(pause["from"]), _d(pause["until"]) or until
            days -= max(0, (min(end, until) - max(start, _d(self.active_from))).days)
        return max(0, days)

    def renewal_due(self, as_of: date) -> bool:
        return renewal_due(self.status, self.term_ends_on, as_of)

    # -- commands ---------------------------------------------------------------------------------
    @staticmethod
    def draft(details: dict) -> list[NewEvent]:
        payload = dict(details)
        for key in ("volunteer_id", "coordinator_id"):
            payload[key] = str(payload[key])
        payload["start_date"] = _d(payload["start_date"]).isoformat()
        return [NewEvent("volunteer_agreement.drafted", payload)]

    def _require(self, *statuses: str, doing: str) -> None:
        if self.status not in statuses:
            raise RuleBroken(f"cannot {doing}: the agreement is {self.status}",
                           [{"field": "status", "reason": f"is {self.status}, must be {' or '.join(statuses)}"}])

    def update_criminal_record_check(self, status: str) -> list[NewEvent]:
        self._require("draft", "active", "paused", doing="update the criminal-record check")
        if status == self.criminal_record_check:
            return []
        return [NewEvent("volunteer_agreement.criminal_record_check_updated", {"status": status})]

    def accept_confidentiality(self, on: date) -> list[NewEvent]:
        self._require("draft", doing="accept confidentiality")
        if self.confidentiality_accepted:
            return []
        return [NewEvent("volunteer_agreement.confidentiality_accepted", {"accepted_on": on.isoformat()})]

    def sign(self, party: str, signed_by: str, signed_on: date) -> list[NewEvent]:
        self._require("draft", doing="sign")
        if party in self.signatures:
            raise RuleBroken(f"the {party} has signed already", [{"field": "party", "reason": "already signed"}])
        if party == "coordinator" and str(signed_by) != self.coordinator_id:
            raise InvalidValue("only the agreement's coordinator signs for the organisation",
                               [{"field": "party", "reason": "signed_by is not the agreement's coordinator"}])
        if party == "volunteer" and str(signed_by) != self.volunteer_id:
            raise InvalidValue("only the volunteer signs as volunteer",
                               [{"field": "party", "reason": "signed_by is not the agreement's volunteer"}])
        events = [NewEvent("volunteer_agreement.signed", {"party": party, "signed_by": str(signed_by),
                                                          "signed_on": signed_on.isoformat()})]
        if set(self.signatures) | {party} == {"volunteer", "coordinator"}:
            missing = self.missing_for_activation()
            if missing:
                raise InvalidValue("the agreement cannot become active: " + ", ".join(m["field"] for m in missing),
                                   missing)
            active_from = max(signed_on, _d(self.details["start_date"]))
            events.append(NewEvent("volunteer_agreement.activated", {
                "active_from": active_from.isoformat(), "term_ends_on": half_a_year_from(active_from).isoformat()}))
        return events

    def raise_renewal_due(self, on: date) -> list[NewEvent]:
        """Once per term, from 30 days before its end: the renewal conversation is due."""
        if not self.renewal_due(on) or self.renewal_raised_for == self.term_ends_on:
            return []
        return [NewEvent("volunteer_agreement.renewal_due_raised",
                         {"raised_on": on.isoformat(), "term_ends_on": self.term_ends_on})]

    def renew(self, conversation_on: date) -> list[NewEvent]:
        self._require("active", "paused", doing="renew")
        if not self.renewal_due(conversation_on):
            raise RuleBroken("the renewal conversation is held when renewal is due",
                           [{"field": "conversation_on",
                             "reason": f"renewal is due from {renewal_due_on(_d(self.term_ends_on))}"}])
        return [NewEvent("volunteer_agreement.renewed", {
            "conversation_on": conversation_on.isoformat(),
            "term_ends_on": half_a_year_from(_d(self.term_ends_on)).isoformat()})]

    def announce_pause(self, announced_on: date, pause_from: date) -> list[NewEvent]:
        self._require("active", doing="pause")
        if pause_from < announced_on:
            raise InvalidValue("a pause is announced ahead of it",
                               [{"field": "pause_from", "reason": "before the day it was announced"}])
        return [NewEvent("volunteer_agreement.pause_announced", {
            "announced_on": announced_on.isoformat(), "pause_from": pause_from.isoformat()})]

    def resume(self, resumed_on: date) -> list[NewEvent]:
        self._require("paused", doing="resume")
        if resumed_on < _d(self.open_pause["from"]):
            raise InvalidValue("resumed before the pause began",
                               [{"field": "resumed_on", "reason": "before the pause's start"}])
        return [NewEvent("volunteer_agreement.resumed", {"resumed_on": resumed_on.isoformat()})]

    def end(self, ended_by: str, reason: str, ended_on: date) -> list[NewEvent]:
        self._require("draft", "active", "paused", doing="end")
        return [NewEvent("volunteer_agreement.ended", {"ended_by": ended_by, "reason": reason,
                                                       "ended_on": ended_on.isoformat()})]

    def issue_statement(self, on: date, eligibility) -> list[NewEvent]:
        """The statement is given on leaving (seed 003), to a volunteer who meets the conditions."""
        if self.status != "ended":
            raise RuleBroken("the statement is given when the volunteer leaves: end the agreement first",
                           [{"field": "status", "reason": f"is {self.status}, must be ended"}])
        if not eligibility.eligible:
            raise RuleBroken("the volunteer is not eligible for a statement", list(eligibility.missing))
        return [NewEvent("volunteer_agreement.statement_issued", {
            "issued_on": on.isoformat(), "active_days": eligibility.active_days,
            "activities": eligibility.activities})]
