"""What every API mixin of the national service shares: who may call it, loading an aggregate, and recording
a decision with its projection in the same transaction, then the facts that follow into their own streams.

It has the shape of the other services' `api/base.py`, but not their `runtime.service.application.Application`:
that one opens streams and seals events through the vault, and the national service has no vault and holds
no personal data (docs/security.md N8-N11; tests/national/test_trust_boundary.py refuses any import of it)."""
from __future__ import annotations

from runtime.errors import NotFound
from runtime.eventstore import current_version
from services.national import projections

# National coordinators, and only with a token of the national instance (runtime/http/auth.py).
COORDINATORS = ("national_coordinator",)


class ApiBase:
    """Mixin for the service class (which has `db = Database()`; no vault)."""

    projections = projections

    def _load(self, aggregate_cls, aggregate_id):
        aggregate = aggregate_cls.from_events(aggregate_id, self.db.read_stream(aggregate_cls.stream_of(aggregate_id)))
        if not aggregate.exists:
            raise NotFound(f"{aggregate_cls.CATEGORY.replace('_', ' ')} {aggregate_id} does not exist")
        return aggregate

    def _record(self, aggregate, events, expected_version=None) -> list:
        """Append `events` to the aggregate's stream at the version it was decided on (or the one the caller
        read), project each in the same transaction, and apply it to the aggregate."""
        expected = aggregate.version if expected_version is None else expected_version
        recorded = self.db.append(aggregate.stream, events, expected)
        for stored in recorded:
            aggregate.apply(stored.type, stored.payload)
            aggregate.version = stored.stream_version
            self.projections.project(self.db.conn, stored)
        return recorded

    def _publish(self, facts) -> None:
        """What follows a decision for the regions (the downlink), each in its own stream, same transaction."""
        for stream, fact in facts:
            self.db.append(stream, [fact], current_version(self.db.conn, stream))
