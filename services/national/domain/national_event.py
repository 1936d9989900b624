"""The national event aggregate (e.g. the yearly peer meetup): its capacity and waitlist, decided in one place.

One stream per event, `national_event-<id>`: every registration, cancellation and promotion is decided on this
one state and appended with the version it was decided on, so two regions' concurrent registrations can never
both take the last place (the append's expected version is the lock; the loser decides again on the new state).
Registrants are pseudonyms of their own instance; registration ids derive from event and pseudonym, so a
registration forwarded twice is one registration. No I/O.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from runtime.service.aggregate import Aggregate
from runtime.eventstore import NewEvent, stream_name

REGISTRATION_NAMESPACE = uuid.UUID("0b7f6d2e-4c1a-5e93-8d20-6a5c3f9e1b47")
ACTIVE = ("accepted", "waitlisted")


def registration_id(event_id, pseudonym: str) -> uuid.UUID:
    return uuid.uuid5(REGISTRATION_NAMESPACE, f"{event_id}/{pseudonym}")


@dataclass
class Registration:
    id: str
    pseudonym: str
    region: str
    peer_kind: str
    status: str
    order: int  # when it was received: the waitlist's order
    attended: bool = False


class NationalEvent(Aggregate):
    CATEGORY = "national_event"

    def __init__(self, event_id):
        super().__init__(event_id)
        self.details: dict = {}
        self.registrations: dict[str, Registration] = {}
        self._received = 0

    # -- state ------------------------------------------------------------------------------------------
    def on_created(self, p):
        self.details = dict(p)

    def on_registration_received(self, p):
        self._received += 1
        self.registrations[str(p["registration_id"])] = Registration(
            str(p["registration_id"]), p["pseudonym"], p["region"], p["peer_kind"], p["status"], self._received)

    def on_registration_promoted(self, p):
        self.registrations[str(p["registration_id"])].status = "accepted"

    def on_registration_cancelled(self, p):
        self.registrations[str(p["registration_id"])].status = "cancelled"

    def on_attendance_recorded(self, p):
        self.registrations[str(p["registration_id"])].attended = True

    # -- queries ----------------------------------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return self.details["capacity"]

    def accepted(self) -> list[Registration]:
        return [r for r in self.registrations.values() if r.status == "accepted"]

    def waitlist(self) -> list[Registration]:
        return sorted((r for r in self.registrations.values() if r.status == "waitlisted"), key=lambda r: r.order)

    def position(self, registration: Registration) -> int:
        return next(i for i, r in enumerate(self.waitlist(), start=1) if r.id == registration.id)

    # -- commands ---------------------------------------------------------------------------------------
    @staticmethod
    def create(details: dict) -> list[NewEvent]:
        return [NewEvent("national_event.created", details)]

    def register(self, pseudonym: str, region: str, peer_kind: str) -> list[NewEvent]:
        """Within capacity: accepted; else waitlisted. A registration already active is not decided again."""
        rid = str(registration_id(self.id, pseudonym))
        if rid in self.registrations and self.registrations[rid].status in ACTIVE:
            return []
        status = "accepted" if len(self.accepted()) < self.capacity else "waitlisted"
        return [NewEvent("national_event.registration_received", {
            "registration_id": rid, "pseudonym": pseudonym, "region": region, "peer_kind": peer_kind,
            "status": status})]

    def cancel(self, pseudonym: str) -> list[NewEvent]:
        """The registrant withdrew; a place they held goes to the first on the waitlist."""
        registration = self.registrations.get(str(registration_id(self.id, pseudonym)))
        if registration is None or registration.status not in ACTIVE:
            return []
        events = [NewEvent("national_event.registration_cancelled", {"registration_id": registration.id})]
        waitlist = self.waitlist()
        if registration.status == "accepted" and waitlist:
            events.append(NewEvent("national_event.registration_promoted", {"registration_id": waitlist[0].id}))
        return events

    def attend(self, pseudonym: str) -> list[NewEvent]:
        registration = self.registrations.get(str(registration_id(self.id, pseudonym)))
        if registration is None or registration.status != "accepted" or registration.attended:
            return []
        return [NewEvent("national_event.attendance_recorded", {"registration_id": registration.id})]

    # -- what the regions are told ----------------------------------------------------------------------
    def announcement(self) -> tuple[str, NewEvent]:
        return (stream_name("national_announcement", self.id),
                NewEvent("national_announcement.published", {**self.details, "national_event_id": str(self.id)}))

    def answers(self, new_events) -> list[tuple[str, NewEvent]]:
        """The addressed answers that follow from new events (call after applying them): one stream per
        registration, `national_registration-<registration id>`, for the registrant's instance."""
        facts = []
        for event in new_events:
            registration = self.registrations[str(event.payload["registration_id"])]
            answer = {"addressee": registration.region, "national_event_id": str(self.id),
                      "pseudonym": registration.pseudonym}
            if event.type == "national_event.registration_received":
                if event.payload["status"] == "accepted":
                    kind = "national_registration.accepted"
                else:
                    kind, answer = "national_registration.waitlisted", {**answer, "position": self.position(registration)}
            elif event.type == "national_event.registration_promoted":
                kind = "national_registration.promoted"
            elif event.type == "national_event.registration_cancelled":
                kind = "national_registration.cancelled"
            else:
                continue
            facts.append((stream_name("national_registration", registration.id), NewEvent(kind, answer)))
        return facts
