"""Every service's event feed over RPC: how a consumer that started late or lost state catches up."""
from __future__ import annotations

import logging

from nameko.rpc import Rpc

from runtime.messaging.consumer import BROKER_GONE

log = logging.getLogger(__name__)


class FeedRpc(Rpc):
    """nameko's RPC entrypoint, except that a broker gone while replying does not kill the service:
    the request stays unacked and is redelivered, and the caller's catch-up retries anyway."""

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_GONE as exc:
            log.warning("broker connection gone while answering a feed request",
                        extra={"error": type(exc).__name__})
            return result, exc_info


rpc = FeedRpc.decorator


class EventFeed:
    """Mixin for a service class that has `db = Database()` (or, in tests, an in-memory unit of work)."""

    @rpc
    def events_after(self, global_position: int = 0, limit: int = 500, categories: list | None = None) -> dict:
        """Envelopes of `categories` after `global_position` in commit order (the relay's order).

        `scanned_to` is the global position the reader may advance to even when `events` is empty
        (the page held only other categories); `at_horizon` says nothing readable lies beyond it yet."""
        after = self.db.store.position_of(int(global_position))
        limit = max(1, min(int(limit), 5000))
        page = self.db.store.read_page(after, limit=limit, categories=categories or None)
        return {"events": [e.envelope() for e in page.events],
                "scanned_to": page.scanned_to.global_position, "at_horizon": page.at_horizon}

    @rpc
    def stream_events(self, stream: str, after_version: int = -1) -> list:
        """Envelopes of one stream after `after_version`: how a consumer repairs a gap in that stream
        (an event it parked waits for a predecessor that was dead-lettered or lost)."""
        return [e.envelope() for e in self.db.read_stream(str(stream), int(after_version))]
