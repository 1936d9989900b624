"""What every API mixin of the network service shares: who may do what, who the caller is, and which
network or meeting a caller may see (row access: members and staff, not every peer)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from runtime.service.application import Application
from runtime.http.audit import AuditRule, record
from runtime.http.auth import caller_peer_id, is_peer_only, principal_of
from runtime.errors import Forbidden, InvalidInput
from services.network import projections
from services.network.domain.meeting import Meeting
from services.network.domain.network import Network
from services.network.domain.schedule import local_date

# Who may do what (services/network/README.md explains the choices).
CREATORS = ("coordinator",)                   # create networks, appoint facilitators
ORGANISERS = ("peer", "coordinator")          # a network's facilitators and the coordinators: meetings, members
READERS = ("peer", "coordinator", "leader")   # members (a peer: the networks they belong to) and staff
MEMBERS = ("peer", "coordinator")             # joining, leaving, signing up, sharing (a peer: themselves)
# Streams that are a person, with the field naming them: no command once they were erased (410).
PERSON_STREAMS = {"network_peer": "peer_id"}


def today():
    return local_date(datetime.now(timezone.utc))


class ApiBase(Application):
    """Mixin for the service class (which has `db = Database()` and `vault = Vault()`)."""

    projections = projections
    PERSON_STREAMS = PERSON_STREAMS

    # -- peers --------------------------------------------------------------------------------------------
    def _peer_kind(self, peer_id, field_name="peer_id") -> str:
        """The kind roles reported of a peer; a peer roles has not reported (or who was erased) is refused."""
        row = self.db.execute("SELECT kind FROM network_peers WHERE id = %s", (str(peer_id),)).fetchone()
        if row is None:
            raise InvalidInput.field(field_name, "no registered peer with this id (roles reports peers here)")
        return row["kind"]

    def _kind_of(self, peer_id) -> str | None:
        row = self.db.execute("SELECT kind FROM network_peers WHERE id = %s", (str(peer_id),)).fetchone()
        return row["kind"] if row else None

    def _acting_peer(self, request, given, field_name="peer_id") -> str:
        """The peer a command is about: a peer acts for themselves; staff name the peer."""
        if is_peer_only(request):
            me = caller_peer_id(request)
            if given is not None and str(given) != me:
                raise Forbidden(f"{field_name}: a peer acts only for themselves")
            return me
        if given is None:
            raise InvalidInput.field(field_name, "required when the caller is not a peer")
        return str(given)

    @staticmethod
    def _caller_id(request, field_name: str) -> str:
        """The caller as a person id (a peer's or a staff member's token subject)."""
        try:
            return str(uuid.UUID(principal_of(request).subject))
        except ValueError:
            raise InvalidInput.field(field_name, "the caller's token must name a person id") from None

    # -- networks -------------------------------------------------------------------------------------------
    def _network(self, request, network_id, facilitate=False) -> Network:
        """The network, for a caller allowed to see it: its members (to change it: its facilitators) and staff."""
        network = self._load(Network, network_id)
        if is_peer_only(request):
            me = caller_peer_id(request)
            if not network.is_member(me):
                raise Forbidden("network: a peer sees only the networks they are a member of")
            if facilitate and not network.is_facilitator(me):
                raise Forbidden("network: only its facilitators (or a coordinator) change it")
        elif facilitate and not principal_of(request).has("coordinator"):
            raise Forbidden("network: only its facilitators or a coordinator change it")
        return network

    # -- meetings -------------------------------------------------------------------------------------------
    def _network_members(self, network_id) -> set[str]:
        if network_id is None:
            return set()
        rows = self.db.execute("SELECT peer_id FROM network_members WHERE network_id = %s", (str(network_id),))
        return {str(r["peer_id"]) for r in rows.fetchall()}

    def _invited(self, meeting: Meeting) -> set[str]:
        """Who takes part: the network's members, the meeting's invitees and facilitators."""
        return self._network_members(meeting.network_id) | set(meeting.invitees) | set(meeting.facilitators)

    def _organises(self, meeting: Meeting, peer_id: str) -> bool:
        if meeting.is_facilitator(peer_id):
            return True
        return meeting.network_id is not None and self.db.execute(
            "SELECT 1 FROM network_members WHERE network_id = %s AND peer_id = %s AND facilitator",
            (meeting.network_id, peer_id)).fetchone() is not None

    def _meeting(self, request, meeting_id, organise=False) -> Meeting:
        """The meeting, for a caller allowed to see it: who takes part (to change it: its facilitators and
        the network's) and staff; changes by staff are the coordinators'."""
        meeting = self._load(Meeting, meeting_id)
        if is_peer_only(request):
            me = caller_peer_id(request)
            if me not in self._invited(meeting):
                raise Forbidden("meeting: a peer sees only the meetings they take part in")
            if organise and not self._organises(meeting, me):
                raise Forbidden("meeting: only its facilitators (or a coordinator) change it")
        elif organise and not principal_of(request).has("coordinator"):
            raise Forbidden("meeting: only its facilitators or a coordinator change it")
        return meeting

    def _sees_notes(self, request, meeting: Meeting) -> bool:
        """Sign-up notes (what a peer needs to take part): coordinators and the meeting's organisers."""
        p = principal_of(request)
        if p.has("coordinator"):
            return True
        return p.has("peer") and self._organises(meeting, caller_peer_id(request))

    def _audit(self, request, resource_type: str, resource_ids, purpose: str) -> None:
        record(self.db, request, AuditRule(resource_type, purpose), sorted({str(i) for i in resource_ids if i}))
