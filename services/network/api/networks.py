"""Network groups: creation, members joining and leaving, facilitators, the member list."""
from __future__ import annotations

from runtime.http.auth import caller_peer_id, is_peer_only
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from services.network import schemas
from services.network.api.base import CREATORS, MEMBERS, ORGANISERS, READERS, ApiBase, today
from services.network.domain import published
from services.network.domain.network import Network

NETWORK = "/networks/<uuid:network_id>"
_SUMMARY = ("SELECT n.*, (SELECT count(*) FROM network_members m WHERE m.network_id = n.id) AS members "
            "FROM networks n ")


class NetworksApi(ApiBase):
    def _decide_network(self, network: Network, events, expected_version=None) -> dict:
        self._record(network, events, expected_version)
        self._publish(published.network_facts(network, events, today()))
        return self._network_detail(network.id)

    def _network_detail(self, network_id) -> dict:
        row = self.db.execute(_SUMMARY + "WHERE n.id = %s", (str(network_id),)).fetchone()
        members = self._member_rows(network_id)
        return {**row, "facilitator_peer_ids": [m["peer_id"] for m in members if m["facilitator"]],
                "paid_members": sum(m["peer_kind"] == "paid" for m in members),
                "volunteer_members": sum(m["peer_kind"] == "volunteer" for m in members)}

    def _member_rows(self, network_id) -> list[dict]:
        return self.db.execute("SELECT * FROM network_members WHERE network_id = %s ORDER BY joined_at, peer_id",
                               (str(network_id),)).fetchall()

    @api("POST", "/networks", allow=CREATORS, body=schemas.CreateNetwork, returns=schemas.NetworkDetail,
         status=201, summary="Create a network group (e.g. a regional peer network run with Peer-Netværket Danmark)")
    def create_network(self, request, body):
        network = Network(self._create_id())
        facilitators = {str(p): self._peer_kind(p, "facilitator_peer_ids") for p in body["facilitator_peer_ids"]}
        events = Network.create(body["name"], body["purpose"], body["kind"], facilitators)
        return self._decide_network(network, events)

    @api("GET", "/networks", allow=READERS, returns=schemas.NetworkSummary, many=True, paged=True,
         summary="The instance's networks, to find one to join (name, purpose, kind, size), a page at a time")
    def list_networks(self, request, query):
        return self.db.execute(_SUMMARY + "ORDER BY n.created_at, n.id" + page_clause(query)).fetchall()

    @api("GET", NETWORK, allow=READERS, returns=schemas.NetworkDetail,
         summary="A network with its facilitators and size (members and staff)")
    def get_network(self, request, network_id):
        self._network(request, network_id)
        return self._network_detail(network_id)

    @api("GET", NETWORK + "/members", allow=READERS, returns=schemas.Member, many=True,
         summary="The member list (peer ids and kind; names are in roles): for members and staff")
    def list_members(self, request, network_id):
        self._network(request, network_id)
        return self._member_rows(network_id)

    @api("POST", NETWORK + "/members", allow=MEMBERS, body=schemas.Join, returns=schemas.NetworkDetail, status=201,
         summary="Join the network (a peer joins themselves; a coordinator adds a peer)")
    def join(self, request, network_id, body):
        network = self._load(Network, network_id)
        peer_id = self._acting_peer(request, body["peer_id"])
        return self._decide_network(network, network.join(peer_id, self._peer_kind(peer_id)), body["expected_version"])

    @api("DELETE", NETWORK + "/members/<uuid:peer_id>", allow=ORGANISERS, returns=schemas.NetworkDetail,
         summary="Leave the network (a peer themselves; its facilitators or a coordinator remove a member)")
    def leave(self, request, network_id, peer_id):
        network = self._load(Network, network_id)
        own = is_peer_only(request) and caller_peer_id(request) == str(peer_id)
        if not own:
            network = self._network(request, network_id, facilitate=True)
        reason = "own_wish" if own else "removed_by_coordinator"
        return self._decide_network(network, network.leave(peer_id, reason))

    @api("POST", NETWORK + "/facilitators", allow=CREATORS, body=schemas.AddFacilitator,
         returns=schemas.NetworkDetail, summary="A member facilitates the network")
    def add_facilitator(self, request, network_id, body):
        network = self._network(request, network_id, facilitate=True)
        return self._decide_network(network, network.add_facilitator(body["peer_id"]), body["expected_version"])

    @api("DELETE", NETWORK + "/facilitators/<uuid:peer_id>", allow=CREATORS, returns=schemas.NetworkDetail,
         summary="A member no longer facilitates the network")
    def remove_facilitator(self, request, network_id, peer_id):
        network = self._network(request, network_id, facilitate=True)
        return self._decide_network(network, network.remove_facilitator(peer_id))
