"""A peer's sign-up for a national event (announced by the national instance), one stream per peer and event.

The peer's own steps are recorded by peer id and stay here; what the national instance needs crosses as
`national_sign_up.requested | withdrawn | attended` with the peer as this instance's pseudonym for that event
(runtime/privacy/pseudonym.py). Whether the peer has a place is decided at the national instance; its answers are
recorded here (`accepted`, `waitlisted`, `promoted`, `cancelled`). No I/O."""
from __future__ import annotations

import uuid

from runtime.service.aggregate import Aggregate
from runtime.domain import RuleBroken
from runtime.eventstore import NewEvent

SIGN_UP_NAMESPACE = uuid.UUID("9d3b6a41-2f7e-5c08-b1d4-7e2a5f0c8b36")
PSEUDONYM_PURPOSE = "national_event"
ACTIVE = ("requested", "accepted", "waitlisted")
# the national instance's answer -> what is recorded here
ANSWERS = {"national_registration.accepted": "national_sign_up.accepted",
           "national_registration.waitlisted": "national_sign_up.waitlisted",
           "national_registration.promoted": "national_sign_up.promoted",
           "national_registration.cancelled": "national_sign_up.cancelled"}


def sign_up_id(national_event_id, peer_id) -> uuid.UUID:
    return uuid.uuid5(SIGN_UP_NAMESPACE, f"{national_event_id}/{peer_id}")


def pseudonym_entity(national_event_id, peer_id) -> str:
    """What the pseudonym is made of: the peer for this one event, so sign-ups for two events cannot be linked."""
    return f"{national_event_id}/{peer_id}"


class NationalSignUp(Aggregate):
    CATEGORY = "national_sign_up"

    def __init__(self, sign_up_id):
        super().__init__(sign_up_id)
        self.status = None
        self.attended = False

    def on_registered(self, p):
        self.status, self.attended = "requested", False

    def on_withdrawal_requested(self, p):
        self.status = "withdrawn"

    def on_accepted(self, p):
        self.status = "accepted"

    def on_promoted(self, p):
        self.status = "accepted"

    def on_waitlisted(self, p):
        self.status = "waitlisted"

    def on_cancelled(self, p):
        self.status = "cancelled"

    def on_attended(self, p):
        self.attended = True

    @staticmethod
    def sign_up(national_event_id, peer_id, peer_kind, pseudonym, current_status) -> list[NewEvent]:
        if current_status in ACTIVE:
            raise RuleBroken.field("peer_id", "already signed up for this national event")
        event = str(national_event_id)
        return [NewEvent("national_sign_up.registered", {"national_event_id": event, "peer_id": str(peer_id)}),
                NewEvent("national_sign_up.requested", {"national_event_id": event, "pseudonym": pseudonym,
                                                        "peer_kind": peer_kind})]

    def withdraw(self, national_event_id, peer_id, pseudonym) -> list[NewEvent]:
        if self.status not in ACTIVE:
            raise RuleBroken.field("peer_id", "no sign-up to withdraw")
        event = str(national_event_id)
        return [NewEvent("national_sign_up.withdrawal_requested", {"national_event_id": event, "peer_id": str(peer_id)}),
                NewEvent("national_sign_up.withdrawn", {"national_event_id": event, "pseudonym": pseudonym})]

    def attend(self, national_event_id, pseudonym) -> list[NewEvent]:
        if self.status != "accepted":
            raise RuleBroken.field("peer_id", "only a peer with a place can attend")
        if self.attended:
            return []
        return [NewEvent("national_sign_up.attended", {"national_event_id": str(national_event_id),
                                                       "pseudonym": pseudonym})]

    @staticmethod
    def answer(answer_type: str, payload: dict, peer_id) -> list[NewEvent]:
        recorded = {"national_event_id": payload["national_event_id"], "peer_id": str(peer_id)}
        if answer_type == "national_registration.waitlisted":
            recorded["position"] = payload["position"]
        return [NewEvent(ANSWERS[answer_type], recorded)]
