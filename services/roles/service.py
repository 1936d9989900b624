"""The roles service: function descriptions (funktionsbeskrivelser, api/function_descriptions.py), peers
with their terms and accommodation needs (api/peers.py), their own crisis plans (api/crisis_plans.py),
volunteer agreements and statements (api/volunteers.py), the erasure of persons (api/persons.py).

Personal fields (the names of the nearest leader and the mentor) are sealed per person by the vault
before they are appended, stay sealed in the read model, and are opened only for the response.
The roles service also records erasures (`person.erased`), which every service's projections follow.
"""
from __future__ import annotations

from runtime.http import audit_log
from runtime.messaging import feed
from runtime.http import health
from runtime.messaging.consumer import consumes
from runtime.eventstore import ANY_VERSION
from runtime.service.database import Database
from runtime.privacy.vault import Vault
# Modules, not classes: `nameko run` takes every class in this namespace with entrypoints for a service.
from services.roles.api import (contacts, crisis_plans, function_descriptions, peers, persons, statistics,
                                volunteers)
from services.roles.domain.volunteer import fact_day, volunteer_fact


class RolesService(feed.EventFeed, health.HealthEndpoints, audit_log.AuditEndpoints,
                   function_descriptions.FunctionDescriptionsApi, peers.PeersApi, crisis_plans.CrisisPlansApi,
                   volunteers.VolunteersApi, persons.PersonsApi, statistics.StatisticsApi, contacts.ContactsRpc):
    name = "roles"
    db = Database()
    vault = Vault()

    # -- from the courses and network services ----------------------------------------------------
    @consumes("courses", categories=["peer_education", "peer_activity"])
    def on_courses_fact(self, event):
        self.db.apply_once(event, self._record_volunteer_fact)

    @consumes("network", categories=["network_activity"])
    def on_network_fact(self, event):
        """Meetings attended (network meetings, supervision, sparring, development) are volunteer activities."""
        self.db.apply_once(event, self._record_volunteer_fact)

    def _record_volunteer_fact(self, event: dict) -> None:
        peer_id = event["payload"].get("peer_id")
        if peer_id and self.vault.keystore.is_erased(str(peer_id)):
            return  # an erased person: nothing more is recorded about them
        fact = volunteer_fact(event)
        if fact is None:
            return
        stream, new = fact
        # Facts of one volunteer arrive from many source streams at once: one writer at a time per stream.
        self.db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (stream,))
        self._append(stream, [new], ANY_VERSION)
        if new.type != "volunteer.activity_withdrawn":  # a fact that counts: the statement rule may be met now
            self._append(stream, self._eligibility_reached(str(peer_id), fact_day(new.payload), event["event_id"]),
                         ANY_VERSION)
