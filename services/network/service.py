"""The network service: network groups of the instance (purpose, facilitators, members), meetings of a
network or a workplace (network meetings, group supervision, sparring and development meetings) with
schedules, sign-ups and attendance, calendars, and knowledge sharing.

It consumes what roles reports of peers (their id and kind, never their personal data) and erasures,
and publishes facts for others (contracts/network.py): `network_activity.*` for roles (attendance as
volunteer activities), `meeting_notice.*` for notifications, and the national `network_size.reported`,
`meeting_report.held` and `national_resource.offered` (counts, enumerations, public links).
"""
from __future__ import annotations

from runtime.http import audit_log
from runtime.messaging import feed
from runtime.http import health
from runtime.messaging.consumer import consumes
from runtime.eventstore import NO_STREAM, NewEvent, stream_name
from runtime.service.database import Database
from runtime.privacy.vault import PERSON_CATEGORY, Vault
# Modules, not classes: `nameko run` takes every class in this namespace with entrypoints for a service.
from services.network.api import calendars, meetings, networks, resources


class NetworkService(feed.EventFeed, health.HealthEndpoints, audit_log.AuditEndpoints, networks.NetworksApi,
                     meetings.MeetingsApi, resources.ResourcesApi, calendars.CalendarsApi):
    name = "network"
    db = Database()
    vault = Vault()

    @consumes("roles", categories=["peer", PERSON_CATEGORY])
    def on_roles_fact(self, event):
        self.db.apply_once(event, self._record_roles_fact)

    def _record_roles_fact(self, event: dict) -> None:
        """Keep what roles reported of a peer (the kind only) in our own `network_peer-<peer id>` stream,
        so a rebuild knows exactly what the live run knew; an erasure is recorded and forgotten."""
        if event["type"] == "person.erased":
            self._record_forgetting(event)
            return
        if event["type"] != "peer.registered":
            return  # the rest of a peer's stream (terms, needs, tasks) is not the network's business
        peer_id = event["stream"].split("-", 1)[1]
        stream = stream_name("network_peer", peer_id)
        if self.vault.keystore.is_erased(peer_id) or self.db.read_stream(stream):
            return
        self._append(stream, [NewEvent("network_peer.known", {"peer_kind": event["payload"]["kind"],
                                                             "source_event_id": event["event_id"]})], NO_STREAM)
