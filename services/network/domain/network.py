"""The network aggregate: a network group of the instance with its purpose, members and facilitators.

Members are peers by id, with the kind (paid or volunteer) roles reported; facilitators are members
who run the network. One stream per network, so joining and leaving are decided on one state."""
from __future__ import annotations

from runtime.service.aggregate import Aggregate
from runtime.domain import NotFound, RuleBroken
from runtime.eventstore import NewEvent



class Network(Aggregate):
    CATEGORY = "network"

    def __init__(self, network_id):
        super().__init__(network_id)
        self.name = self.purpose = self.kind = ""
        self.members: dict[str, str] = {}  # peer id -> peer kind
        self.facilitators: list[str] = []

    # -- state ------------------------------------------------------------------------------------------
    def on_created(self, p):
        self.name, self.purpose, self.kind = p["name"], p["purpose"], p["kind"]

    def on_member_joined(self, p):
        self.members[str(p["peer_id"])] = p["peer_kind"]

    def on_member_left(self, p):
        self.members.pop(str(p["peer_id"]), None)

    def on_facilitator_added(self, p):
        self.facilitators.append(str(p["peer_id"]))

    def on_facilitator_removed(self, p):
        self.facilitators.remove(str(p["peer_id"]))

    # -- queries ----------------------------------------------------------------------------------------
    def is_member(self, peer_id) -> bool:
        return str(peer_id) in self.members

    def is_facilitator(self, peer_id) -> bool:
        return str(peer_id) in self.facilitators

    def size_by_kind(self) -> dict[str, int]:
        kinds = list(self.members.values())
        return {"paid": kinds.count("paid"), "volunteer": kinds.count("volunteer")}

    # -- commands ---------------------------------------------------------------------------------------
    @staticmethod
    def create(name, purpose, kind, facilitators: dict[str, str]) -> list[NewEvent]:
        """`facilitators`: peer id -> peer kind; they are the first members."""
        events = [NewEvent("network.created", {"name": name, "purpose": purpose, "kind": kind})]
        for peer_id, peer_kind in facilitators.items():
            events += [NewEvent("network.member_joined", {"peer_id": str(peer_id), "peer_kind": peer_kind}),
                       NewEvent("network.facilitator_added", {"peer_id": str(peer_id)})]
        return events

    def join(self, peer_id, peer_kind) -> list[NewEvent]:
        if self.is_member(peer_id):
            raise RuleBroken.field("peer_id", "already a member of the network")
        return [NewEvent("network.member_joined", {"peer_id": str(peer_id), "peer_kind": peer_kind})]

    def leave(self, peer_id, reason) -> list[NewEvent]:
        if not self.is_member(peer_id):
            raise NotFound(f"peer {peer_id} is not a member of network {self.id}")
        events = []
        if self.is_facilitator(peer_id):
            events.append(NewEvent("network.facilitator_removed", {"peer_id": str(peer_id)}))
        return events + [NewEvent("network.member_left", {"peer_id": str(peer_id), "reason": reason})]

    def add_facilitator(self, peer_id) -> list[NewEvent]:
        if not self.is_member(peer_id):
            raise RuleBroken.field("peer_id", "a facilitator is a member of the network; add them as a member first")
        if self.is_facilitator(peer_id):
            return []
        return [NewEvent("network.facilitator_added", {"peer_id": str(peer_id)})]

    def remove_facilitator(self, peer_id) -> list[NewEvent]:
        if not self.is_facilitator(peer_id):
            raise NotFound(f"peer {peer_id} does not facilitate network {self.id}")
        return [NewEvent("network.facilitator_removed", {"peer_id": str(peer_id)})]
