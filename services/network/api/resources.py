"""Knowledge sharing within a network (links and texts with tags and a theme), and offering a link to
a public page to the national level."""
from __future__ import annotations

from runtime.http.auth import caller_peer_id, is_peer_only
from runtime.http.entrypoint import api
from services.network import schemas
from services.network.api.base import CREATORS, MEMBERS, READERS, ApiBase, today
from services.network.api.networks import NETWORK
from services.network.domain import published
from services.network.domain.resource import Resource

RESOURCE = "/resources/<uuid:resource_id>"


class ResourcesApi(ApiBase):
    def _resource_row(self, resource_id) -> dict:
        return self.db.execute("SELECT * FROM resources WHERE id = %s", (str(resource_id),)).fetchone()

    @api("POST", NETWORK + "/resources", allow=MEMBERS, body=schemas.ShareResource, returns=schemas.ResourceView,
         status=201, summary="Share a resource (a link or a text) within the network")
    def share_resource(self, request, network_id, body):
        self._network(request, network_id)
        resource = Resource(self._create_id())
        events = Resource.share(network_id, body["title"], body["kind"], body["url"], body["text"], body["tags"],
                                body["theme"], self._caller_id(request, "shared_by"))
        self._record(resource, events)
        return self._resource_row(resource.id)

    @api("GET", NETWORK + "/resources", allow=READERS, returns=schemas.ResourceView, many=True,
         summary="The network's shared resources (members and staff)")
    def list_resources(self, request, network_id):
        self._network(request, network_id)
        return self.db.execute("SELECT * FROM resources WHERE network_id = %s AND status = 'shared' "
                               "ORDER BY shared_at, id", (str(network_id),)).fetchall()

    @api("POST", RESOURCE + "/withdraw", allow=MEMBERS, body=schemas.Versioned, returns=schemas.ResourceView,
         summary="Withdraw a resource (whoever shared it, the network's facilitators, a coordinator)")
    def withdraw_resource(self, request, resource_id, body):
        resource = self._load(Resource, resource_id)
        if is_peer_only(request) and str(self._resource_row(resource_id)["shared_by"]) != caller_peer_id(request):
            self._network(request, resource.network_id, facilitate=True)
        self._record(resource, resource.withdraw(), body["expected_version"])
        return self._resource_row(resource_id)

    @api("POST", RESOURCE + "/national-offer", allow=CREATORS, body=schemas.Versioned, returns=schemas.ResourceView,
         summary="Offer a link to a public page to the national level (kind, theme, tags and the link only)")
    def offer_nationally(self, request, resource_id, body):
        resource = self._load(Resource, resource_id)
        events = resource.offer_nationally(today())
        self._record(resource, events, body["expected_version"])
        self._publish(published.resource_facts(resource, events))
        return self._resource_row(resource_id)
