"""Every service's event feed over RPC: how a consumer that started late or lost state catches up."""
from __future__ import annotations

from nameko.rpc import rpc

from runtime import eventstore


class EventFeed:
    """Mixin for a service class that has `db = Database()`."""

    @rpc
    def events_after(self, global_position: int = 0, limit: int = 500, categories: list | None = None) -> list:
        """Envelopes after `global_position` in commit order (the relay's order)."""
        after = eventstore.position_of(self.db.conn, int(global_position))
        limit = max(1, min(int(limit), 5000))
        events = eventstore.read_all(self.db.conn, after, limit=limit)
        if categories:
            events = [e for e in events if e.stream.split("-", 1)[0] in categories]
        return [e.envelope() for e in events]
