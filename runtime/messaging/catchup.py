"""Catch-up from the source's event feed, for a consumer that started late or lost its state.

At start-up each `@consumes` entrypoint reads its source service's feed over RPC (`events_after`,
runtime/messaging/feed.py) from its own checkpoint and runs every event through the same handler as broker
deliveries. The inbox makes the two paths idempotent against each other: whatever the broker already
delivered is skipped, and whatever it never will (published before the queue existed, consumer
state restored from an old backup) is applied. It also fills gaps that parked events wait on.
"""
from __future__ import annotations

import logging
import os

import eventlet
from eventlet.event import Event
from nameko.standalone.rpc import ClusterRpcProxy

from runtime import db
from runtime.eventstore import inbox
from runtime.service.database import Database, complete

log = logging.getLogger(__name__)
BATCH = 500
# A stream whose parked events have waited this long for a predecessor is repaired from the source's
# feed (seconds; the broker normally closes a gap within milliseconds).
REPAIR_AFTER = float(os.environ.get("INBOX_REPAIR_AFTER", "60"))


class FeedCatchUp:
    def __init__(self, entrypoint):
        self.entrypoint = entrypoint
        self.container = entrypoint.container
        self.consumer = entrypoint.queue.name
        self.source = entrypoint.source_service
        self.url = self._database_url()

    def _database_url(self) -> str:
        for provider in self.container.dependencies:
            if isinstance(provider, Database):
                return provider.url
        raise RuntimeError(f"{self.consumer}: catch-up needs the service's Database provider")

    def _checkpoint(self) -> int:
        with db.connect(self.url) as conn:
            row = conn.execute("SELECT global_position FROM feed_checkpoints WHERE consumer = %s AND source = %s",
                               (self.consumer, self.source)).fetchone()
        return row["global_position"] if row else 0

    def _save(self, position: int) -> None:
        with db.connect(self.url) as conn:
            conn.execute(
                "INSERT INTO feed_checkpoints (consumer, source, global_position) VALUES (%s, %s, %s) "
                "ON CONFLICT (consumer, source) DO UPDATE SET global_position = EXCLUDED.global_position, "
                "updated_at = now()", (self.consumer, self.source, position))

    def _apply(self, envelope: dict) -> None:
        """Run one event through the entrypoint's handler, as a broker delivery would, and wait."""
        done = Event()

        def handle_result(worker_ctx, result, exc_info):
            exc_info = complete(worker_ctx, exc_info)
            done.send(exc_info)
            return result, exc_info

        self.container.spawn_worker(self.entrypoint, (envelope,), {},
                                    context_data={"correlation_id": envelope["correlation_id"]},
                                    handle_result=handle_result)
        exc_info = done.wait()
        if exc_info is not None:
            raise exc_info[1]

    def run_once(self) -> int:
        """Apply everything the feed has after the checkpoint, page by page, until the feed says it is
        at its horizon; returns how many events were applied. The checkpoint advances past events of
        other categories too, so thousands of them never hide the one that matters."""
        from contracts.envelope import read_envelope

        position, applied = self._checkpoint(), 0
        with ClusterRpcProxy(self.container.config, timeout=30) as rpc:
            feed = getattr(rpc, self.source)
            while True:
                page = feed.events_after(position, BATCH, list(self.entrypoint.categories))
                for envelope in page["events"]:
                    self._apply(read_envelope(envelope))
                applied += len(page["events"])
                if page["scanned_to"] != position:
                    position = page["scanned_to"]
                    self._save(position)
                if page["at_horizon"]:
                    return applied

    def repair_blocked(self) -> int:
        """Fill the gaps of streams blocked longer than REPAIR_AFTER: their parked events wait for a
        predecessor that will not come by the broker (dead-lettered during a rolling upgrade, lost), so
        the missing versions are read from the source's feed and applied; the inbox then releases the
        parked ones. Returns how many streams were repaired."""
        from contracts.envelope import read_envelope
        with db.connect(self.url) as conn:
            blocked = inbox.blocked_streams(conn, self.consumer, older_than=REPAIR_AFTER)
        if not blocked:
            return 0
        with ClusterRpcProxy(self.container.config, timeout=30) as rpc:
            feed = getattr(rpc, self.source)
            for stream in blocked:
                missing = [e for e in feed.stream_events(stream["stream_name"], stream["applied_version"])
                           if e["stream_version"] < stream["first_parked"]]
                for envelope in missing:
                    self._apply(read_envelope(envelope))
                log.warning("blocked stream repaired from the feed",
                            extra={"consumer": self.consumer, "source": self.source, "events_applied": len(missing),
                                   "waited_seconds": round(stream["age_seconds"])})
        return len(blocked)

    def run(self) -> None:
        backoff = 1.0
        while True:
            try:
                read = self.run_once()
                log.info("caught up from feed", extra={"consumer": self.consumer, "source": self.source,
                                                       "events_applied": read})
                break
            except Exception as exc:  # source down or a handler failing: try again later
                log.warning("feed catch-up failed, retrying",
                            extra={"consumer": self.consumer, "source": self.source, "error": type(exc).__name__})
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 60)
        while True:  # for the life of the consumer: no stream stays blocked for good
            eventlet.sleep(REPAIR_AFTER / 2)
            try:
                self.repair_blocked()
            except Exception as exc:  # the source or the database down: next round
                log.warning("repair of blocked streams failed, retrying",
                            extra={"consumer": self.consumer, "source": self.source, "error": type(exc).__name__})
