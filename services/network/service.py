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
from runtime.privacy.erasure import PERSON_CATEGORY
from runtime.privacy.vault import Vault
# Modules, not classes: `nameko run` takes every class in this namespace with entrypoints for a service.
from runtime.config import settings
from runtime.eventstore import current_version
from services.network.api import calendars, meetings, national_events, networks, resources, statistics
from services.network.domain.national_sign_up import NationalSignUp


class NetworkService(feed.EventFeed, health.HealthEndpoints, audit_log.AuditEndpoints, networks.NetworksApi,
                     meetings.MeetingsApi, resources.ResourcesApi, calendars.CalendarsApi,
                     national_events.NationalEventsApi, statistics.StatisticsApi):
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
            self._withdraw_national_sign_ups(event["stream"].split("-", 1)[1])
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

    def _withdraw_national_sign_ups(self, peer_id: str) -> None:
        """An erased peer's places at national events are given back (the national instance promotes the
        next on its waitlist); the answers that follow find nothing of the peer here and are dropped."""
        rows = self.db.execute("SELECT id, national_event_id, pseudonym, status FROM national_sign_ups "
                               "WHERE peer_id = %s AND status IN ('requested', 'accepted', 'waitlisted')",
                               (peer_id,)).fetchall()
        for row in rows:
            sign_up = NationalSignUp.from_events(row["id"], self.db.read_stream(NationalSignUp.stream_of(row["id"])))
            self._append(sign_up.stream, sign_up.withdraw(row["national_event_id"], peer_id, row["pseudonym"]),
                         sign_up.version)

    # -- the downlink from the national instance (docs/architecture.md, "The downlink") ------------------------
    @consumes("national", categories=["national_announcement"], exchange="national.broadcast", catch_up=False)
    def on_national_announcement(self, event):
        self.db.apply_once(event, self._record_announcement)

    def _record_announcement(self, event: dict) -> None:
        """A national event announced to every instance, kept in our own store (a rebuild knows it)."""
        p = event["payload"]
        stream = stream_name("national_event_notice", p["national_event_id"])
        if self.db.read_stream(stream):
            return
        self._append(stream, [NewEvent("national_event_notice.announced", p)], NO_STREAM)

    @consumes("national", categories=["national_registration"], exchange="national.addressed", catch_up=False)
    def on_national_answer(self, event):
        self.db.apply_once(event, self._record_answer)

    def _record_answer(self, event: dict) -> None:
        """The national instance's answer to a sign-up, by pseudonym: recorded on the peer's sign-up."""
        p = event["payload"]
        if p["addressee"] != settings().instance_id:
            raise ValueError("addressee: an answer for another instance")
        row = self.db.execute("SELECT id, peer_id FROM national_sign_ups WHERE pseudonym = %s",
                              (p["pseudonym"],)).fetchone()
        if row is None:
            return  # the peer was erased meanwhile: nothing of them is kept
        stream = NationalSignUp.stream_of(row["id"])
        self._append(stream, NationalSignUp.answer(event["type"], p, row["peer_id"]),
                     current_version(self.db.conn, stream))
