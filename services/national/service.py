"""The national service: the national picture of peer support, aggregated from what instances share.

Runs only at the national instance (admin.services.services_of). It consumes `national.inbound`,
where the regions' uplink shovels deliver their relays' national facts (deploy/README.md, "Two
regions and the national instance"), stores every fact in its own event store, and projects the
picture (services/national/facts, one module per kind of fact) that national coordinators read
(api/overview.py), under the disclosure rules of docs/security.md (N8-N11).

A received fact is stored under its own type in its own (pseudonymous) stream, whose id begins
with the source instance (`peer_education-region-1084:p2:…`): the national stream version is the
fact's ordinal among its stream's shared facts (runtime/messaging/national_share.py), so the inbox restores
each stream's order, and the stored event keeps the source's event id, instance and time.

Its trust boundary differs from every other service: it never holds personal data. It has no
vault, no person keys, and its contracts and tables hold no personal field
(tests/national/test_trust_boundary.py).
"""
from __future__ import annotations

import uuid
from datetime import datetime

from contracts import all_contracts, category_of
from runtime.http import health
from runtime.messaging.consumer import consumes
from runtime.eventstore import Metadata, NewEvent
from runtime.service.database import Database
from services.national import projections
# Modules, not classes: `nameko run` takes every class in this namespace with entrypoints for a service.
from services.national.api import competence, events, overview, page
from services.national.domain.national_event import NationalEvent

INBOUND = "national.inbound"
# Every category a national contract is in: a new national contract is consumed without a change here.
NATIONAL_CATEGORIES = sorted({category_of(c.type) for c in all_contracts() if c.national})
SIGN_UP = "national_sign_up."  # a region's registration facts: decided on the national event's stream


class ForeignStream(ValueError):
    """A fact whose stream is not named by its own instance's pseudonym (a region writing as another)."""


def received_stream(envelope: dict) -> str:
    """The stream a fact is stored in: its own, whose id is `<source instance>:p<n>:<pseudonym>`."""
    entity = envelope["stream"].split("-", 1)[1]
    if not entity.startswith(f"{envelope['instance_id']}:"):
        raise ForeignStream("stream: not a pseudonym of the instance that sent it")
    return envelope["stream"]


class NationalService(health.HealthEndpoints, overview.OverviewApi, page.OverviewPageApi, events.NationalEventsApi,
                      competence.CompetenceCatalogueApi):
    name = "national"
    db = Database()

    @consumes("national", categories=NATIONAL_CATEGORIES, exchange=INBOUND, catch_up=False)
    def on_fact(self, event):
        self.db.apply_once({**event, "stream": received_stream(event)}, self._store_fact)

    def _store_fact(self, envelope: dict) -> None:
        metadata = Metadata(envelope["source_service"], envelope["instance_id"], "instance",
                            uuid.UUID(envelope["correlation_id"]))
        fact = NewEvent(envelope["type"], envelope["payload"], envelope["schema_version"],
                        uuid.UUID(envelope["event_id"]))
        for stored in self.db.append(envelope["stream"], [fact], envelope["stream_version"] - 1, metadata,
                                     datetime.fromisoformat(envelope["occurred_at"])):
            projections.project(self.db.conn, stored)
        if envelope["type"].startswith(SIGN_UP):
            self._decide_registration(envelope)

    def _decide_registration(self, envelope: dict) -> None:
        """A registration, withdrawal or attendance from a region, decided on the event's one stream in the
        transaction that stores the fact. Concurrent workers take the event's lock in turn (an advisory lock,
        so they wait instead of failing); the append's expected version is what guarantees no double booking."""
        p = envelope["payload"]
        if not p["pseudonym"].startswith(f"{envelope['instance_id']}:"):
            raise ForeignStream("pseudonym: not a pseudonym of the instance that sent it")
        stream = NationalEvent.stream_of(p["national_event_id"])
        self.db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (stream,))
        aggregate = self._load_event(p["national_event_id"])
        decision = {"national_sign_up.requested": lambda: aggregate.register(
                        p["pseudonym"], envelope["instance_id"], p["peer_kind"]),
                    "national_sign_up.withdrawn": lambda: aggregate.cancel(p["pseudonym"]),
                    "national_sign_up.attended": lambda: aggregate.attend(p["pseudonym"])}[envelope["type"]]()
        self._decide(aggregate, decision, lambda a: a.answers(decision))
