"""The outbox relay of one service: publishes committed events, in commit order, to `<service>.events`.

    python -m runtime.messaging.relay roles

- Only one relay per service publishes: it holds a PostgreSQL advisory lock; others stand by.
- A batch is published with pipelined confirms and `mandatory`; only then is the checkpoint advanced.
  A crash between the two republishes the batch: at-least-once, and consumers are idempotent.
- Wakes on LISTEN events_appended (see runtime/eventstore/notifier.py); polls as a fallback.
- Events whose contract is `national` are also published to `national.events`, the only exchange
  that deploy/ carries to the national broker, if this instance shares their kind (`NATIONAL_SHARE`,
  runtime/messaging/national_share.py). `python -m runtime.messaging.relay <service> --resend-national` (or `peer-admin
  national-resend`) publishes every shared fact of the store again, for a national instance that
  starts late or lost its state; the national side deduplicates by event id.
- The other way, `python -m runtime.messaging.relay national --resend-broadcast` (or `peer-admin
  downlink-resend`) publishes every broadcast downlink event of the national store again (the whole
  competence catalogue, every national event's announcement), for a region that joins late or lost its
  catalogue; every region's inbox skips what it already applied, by stream version.
"""
from __future__ import annotations

import argparse
from contextlib import ExitStack
import logging
import select
import time

import psycopg

import contracts
from runtime import db, eventstore, metrics
from runtime.privacy.pseudonym import pseudonym
from runtime.messaging import national_share
from contracts.registry import ADDRESSEE, DOWNLINKS
from runtime.config import settings
from runtime.logs import configure_logging
from runtime.eventstore.notifier import CHANNEL
from runtime.messaging.publisher import ConfirmingPublisher

log = logging.getLogger("runtime.messaging.relay")
NATIONAL_EXCHANGE = "national.events"
_LOCK_KEY = "outbox-relay"


def downlink_route(envelope: dict, downlink: str) -> tuple[str, str]:
    """(exchange, routing key) of a downlink event: every region, or the one instance it is addressed to."""
    if downlink == "addressed":
        return DOWNLINKS[downlink], f"{envelope['payload'][ADDRESSEE]}.{envelope['type']}"
    return DOWNLINKS[downlink], envelope["type"]


def downlink_envelope(envelope: dict) -> dict:
    """What leaves the national instance: its contracts hold no personal field; the actor (a national
    coordinator's id) stays here."""
    return {**envelope, "actor": "instance"}


def national_envelope(envelope: dict, national_version: int | None = None) -> dict:
    """What leaves the instance: the contract holds no personal field; neither the actor nor the
    stream's own id is sent (a stream id can be a person's id): the id travels pseudonymised, which
    keeps per-stream order and deduplication at the national level. Keyed by the category, so two
    streams of one entity (`peer_education-<course>`, `outcome-<course>`) cannot be joined nationally.

    `national_version` numbers the stream's shared facts 0, 1, 2, … (runtime/messaging/national_share.py): the
    stream also holds events that never leave, so their own versions have gaps the national inbox
    would wait on forever."""

    category, _, entity_id = envelope["stream"].partition("-")
    sent = {**envelope, "actor": "instance", "stream": f"{category}-{pseudonym(entity_id, purpose=category)}"}
    if national_version is not None:
        sent["stream_version"] = national_version
    return sent


class Relay:
    def __init__(self, service: str, database_url: str, amqp_uri: str,
                 batch_size: int = 500, poll_interval: float = 1.0, shared: frozenset[str] | None = None):
        self.service = service
        self.shared = national_share.shared_types() if shared is None else shared
        self.exchange = f"{service}.events"
        self.database_url = database_url
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.stopping = False
        self._behind_horizon = 0.0  # seconds; grows while events wait behind an open transaction

    # -- leadership ---------------------------------------------------------------------------
    def _acquire_leadership(self) -> psycopg.Connection:
        lock_conn = db.connect(self.database_url, autocommit=True)
        try:
            eventstore.assert_primary(lock_conn)
        except eventstore.ServerInRecovery:
            lock_conn.close()
            raise
        while not self.stopping:
            got = lock_conn.execute("SELECT pg_try_advisory_lock(hashtext(%s)) AS got", (_LOCK_KEY,)).fetchone()
            if got["got"]:
                log.info("relay is publishing", extra={"service": self.service})
                return lock_conn
            time.sleep(self.poll_interval)
        raise SystemExit(0)

    # -- checkpoint ---------------------------------------------------------------------------
    def load_checkpoint(self, conn) -> eventstore.FeedPosition:
        row = conn.execute(
            "SELECT transaction_id::text::bigint AS t, global_position AS g FROM relay_checkpoints "
            "WHERE relay_name = %s", (self.exchange,)
        ).fetchone()
        return eventstore.FeedPosition(row["t"], row["g"]) if row else eventstore.START

    def save_checkpoint(self, conn, position: eventstore.FeedPosition) -> None:
        conn.execute(
            "INSERT INTO relay_checkpoints (relay_name, transaction_id, global_position) "
            "VALUES (%s, %s::text::xid8, %s) ON CONFLICT (relay_name) DO UPDATE SET "
            "transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, "
            "updated_at = now()",
            (self.exchange, str(position.transaction_id), position.global_position),
        )

    # -- publishing ---------------------------------------------------------------------------
    def _own(self, event: eventstore.RecordedEvent):
        """The event's contract if this service publishes it (not a fact it stored from elsewhere)."""
        contract = contracts.contract(event.type, event.schema_version)
        return contract if self.service in contract.publishers else None

    def publish_batch(self, publisher: ConfirmingPublisher, batch: list[eventstore.RecordedEvent],
                      conn=None) -> None:
        own = {e.event_id: self._own(e) for e in batch}
        envelopes = {}
        # The instance's own consumers first: the national numbering below costs a query, and it need not
        # hold them up. Order holds per exchange (each is published in commit order), which is all any
        # queue sees.
        for event in batch:
            contract = own[event.event_id]
            if contract is None:
                continue  # a fact stored from elsewhere (the national service's received facts): not ours to publish
            envelope = envelopes[event.event_id] = event.envelope()
            headers = {"nameko.correlation_id": envelope["correlation_id"], "event_type": event.type}
            publisher.publish(self.exchange, event.type, envelope, envelope["event_id"], headers)
            if contract.downlink:
                exchange, routing_key = downlink_route(envelope, contract.downlink)
                publisher.declare_exchange(exchange)
                publisher.publish(exchange, routing_key, downlink_envelope(envelope), envelope["event_id"], headers)
        national = [e for e in batch if e.type in self.shared and own[e.event_id] and own[e.event_id].national]
        versions = national_share.national_versions(conn, national, self.shared) if national else {}
        for event in (e for e in national if e.event_id in versions):
            envelope = envelopes[event.event_id]
            headers = {"nameko.correlation_id": envelope["correlation_id"], "event_type": event.type}
            publisher.publish(NATIONAL_EXCHANGE, event.type, national_envelope(envelope, versions[event.event_id]),
                              envelope["event_id"], headers)
        self._settle(publisher)

    def resend_national(self, conn, publisher: ConfirmingPublisher) -> int:
        """Publish every shared national fact of the store again, in commit order, to `national.events`
        only (this service's own consumers are not bothered); returns how many were sent."""
        position, sent = eventstore.START, 0
        types = sorted(t for t in self.shared & set(national_share.national_types())
                       if self.service in contracts.contract(t, contracts.latest_version(t)).publishers)
        while types:
            batch = eventstore.read_all(conn, position, limit=self.batch_size, types=types, upcast=False)
            if not batch:
                break
            versions = national_share.national_versions(conn, batch, self.shared)
            for event in batch:
                envelope = event.envelope()
                headers = {"nameko.correlation_id": envelope["correlation_id"], "event_type": event.type}
                publisher.publish(NATIONAL_EXCHANGE, event.type, national_envelope(envelope, versions[event.event_id]),
                                  envelope["event_id"], headers)
            self._settle(publisher)
            sent += len(batch)
            position = batch[-1].position
        return sent

    def resend_broadcast(self, conn, publisher: ConfirmingPublisher, categories: tuple[str, ...] = ()) -> int:
        """Publish every `downlink="broadcast"` event of this service's store again, in commit order, to
        `national.broadcast` only (of `categories`, if given: e.g. `competence_module`, the catalogue);
        returns how many were sent. Each downlink stream holds only what goes down, contiguously versioned,
        so a region's inbox applies what it lacks from version 0 on and skips the rest."""
        position, sent = eventstore.START, 0
        types = sorted({c.type for c in contracts.all_contracts() if c.downlink == "broadcast"
                        and self.service in c.publishers and (not categories or contracts.category_of(c.type)
                                                              in categories)})
        while types:
            batch = eventstore.read_all(conn, position, limit=self.batch_size, types=types, upcast=False)
            if not batch:
                break
            for event in batch:
                envelope = event.envelope()
                headers = {"nameko.correlation_id": envelope["correlation_id"], "event_type": event.type}
                exchange, routing_key = downlink_route(envelope, "broadcast")
                publisher.declare_exchange(exchange)
                publisher.publish(exchange, routing_key, downlink_envelope(envelope), envelope["event_id"], headers)
            self._settle(publisher)
            sent += len(batch)
            position = batch[-1].position
        return sent

    def _settle(self, publisher: ConfirmingPublisher) -> None:
        for routing_key, message_id in publisher.wait_for_confirms():
            # Nobody subscribes to this type (yet): nothing is lost, the event store keeps it and a
            # consumer that subscribes later catches up from the feed. Counted, never silent.
            metrics.RELAY_UNROUTABLE.labels(self.service, routing_key).inc()
            log.warning("event unroutable", extra={"event_type": routing_key, "event_id": message_id})

    def run(self) -> None:
        db.assert_green_wait()
        with ExitStack() as resources:  # released on every way out, a broker down at start included
            lock_conn = resources.enter_context(self._acquire_leadership())
            conn = resources.enter_context(db.connect(self.database_url, autocommit=True))
            conn.execute(f"LISTEN {CHANNEL}")
            publisher = ConfirmingPublisher(self.amqp_uri)
            resources.callback(publisher.close)
            publisher.declare_exchange(self.exchange)
            publisher.declare_exchange(NATIONAL_EXCHANGE)
            self._publish_until_stopped(lock_conn, conn, publisher)

    def _publish_until_stopped(self, lock_conn, conn, publisher: ConfirmingPublisher) -> None:
        position = self.load_checkpoint(conn)
        while not self.stopping:
            batch = eventstore.read_all(conn, position, limit=self.batch_size, upcast=False)
            if batch:
                self.publish_batch(publisher, batch, conn)
                # Lost the lock's session? Then another relay may lead: stop before the checkpoint.
                # (Checked after publishing, off the latency path: a duplicate is harmless.)
                lock_conn.execute("SELECT 1")
                position = batch[-1].position
                self.save_checkpoint(conn, position)
                metrics.RELAY_PUBLISHED.labels(self.service).inc(len(batch))
                metrics.RELAY_CHECKPOINT.labels(self.service).set(position.global_position)
                if len(batch) == self.batch_size:
                    continue
            self._wait_for_appends(conn, position)

    def _wait_for_appends(self, conn: psycopg.Connection, position: eventstore.FeedPosition) -> None:
        # Drain notifications already queued, then sleep until one arrives or the poll interval ends.
        if any(True for _ in conn.notifies(timeout=0, stop_after=100)):
            return
        if eventstore.has_events_after(conn, position):
            # Committed events wait behind a transaction still in progress, whose end sends no
            # NOTIFY: look again soon rather than after the poll interval.
            self._behind_horizon = min(max(self._behind_horizon * 2, 0.001), 0.02)
            time.sleep(self._behind_horizon)
            return
        self._behind_horizon = 0.0
        select.select([conn.fileno()], [], [], self.poll_interval)
        for _ in conn.notifies(timeout=0, stop_after=100):
            pass

    def run_forever(self) -> None:
        """Run, and after any broker or database failure start over from the checkpoint."""
        backoff = 0.5
        while not self.stopping:
            started = time.monotonic()
            try:
                self.run()
            except (KeyboardInterrupt, SystemExit):
                raise
            except eventstore.ServerInRecovery as exc:  # no retry makes a standby safe to read
                log.error("relay refuses to run", extra={"service": self.service, "reason": str(exc)})
                raise SystemExit(2) from exc
            except Exception as exc:  # broker or database down: retry; the checkpoint is safe
                log.warning("relay restarting", extra={"service": self.service, "error": type(exc).__name__})
                backoff = 0.5 if time.monotonic() - started > 30 else min(backoff * 2, 10)
                time.sleep(backoff)


def resend_national(service: str) -> int:
    """Re-publish this service's shared national facts (a national instance asked for them)."""
    config = settings()
    relay = Relay(service, config.database_url(service), config.amqp_uri)
    with db.connect(relay.database_url, autocommit=True) as conn:
        publisher = ConfirmingPublisher(config.amqp_uri)
        try:
            publisher.declare_exchange(NATIONAL_EXCHANGE)
            sent = relay.resend_national(conn, publisher)
        finally:
            publisher.close()
    log.info("national facts sent again", extra={"service": service, "events": sent})
    return sent


def resend_broadcast(service: str, categories: tuple[str, ...] = ()) -> int:
    """Re-publish this service's broadcast downlink (a region joined late or lost its catalogue)."""
    config = settings()
    relay = Relay(service, config.database_url(service), config.amqp_uri)
    with db.connect(relay.database_url, autocommit=True) as conn:
        publisher = ConfirmingPublisher(config.amqp_uri)
        try:
            sent = relay.resend_broadcast(conn, publisher, categories)
        finally:
            publisher.close()
    log.info("broadcast downlink sent again", extra={"service": service, "events": sent})
    return sent


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Outbox relay of one service")
    parser.add_argument("service")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--metrics-port", type=int, default=0, help="serve Prometheus metrics (0: off)")
    parser.add_argument("--resend-national", action="store_true",
                        help="publish every shared national fact again, then exit")
    parser.add_argument("--resend-broadcast", action="store_true",
                        help="(national) publish every broadcast downlink event again, then exit")
    args = parser.parse_args(argv)
    config = settings()
    configure_logging(config.log_level)
    if args.resend_national:
        print(resend_national(args.service))
        return
    if args.resend_broadcast:
        print(resend_broadcast(args.service))
        return
    if args.metrics_port:
        metrics.serve(args.metrics_port)
    Relay(args.service, config.database_url(args.service), config.amqp_uri,
          args.batch_size, args.poll_interval).run_forever()


if __name__ == "__main__":
    main()


def outbox_lag(conn, service: str) -> int:
    """Committed events the service's relay has not published yet."""
    row = conn.execute(
        "SELECT count(*) AS n FROM events e LEFT JOIN relay_checkpoints c ON c.relay_name = %s "
        "WHERE c.relay_name IS NULL OR (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)",
        (f"{service}.events",)).fetchone()
    return row["n"]
