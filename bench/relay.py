"""Relay publish throughput vs a per-message confirmed publish loop, in the same run.

    .venv/bin/python -m bench.relay [--events 100000] [--baseline-messages 5000] [--rounds 2]

Both sides publish the same envelopes (the relay's own JSON, persistent, `mandatory`, same headers) to
`roles.events` in a scratch vhost, routed to one bound quorum queue declared exactly like a consumer
queue (runtime/messaging/consumer.py), which is purged between rounds.

- Baseline: publish one message, wait for its confirm, publish the next (py-amqp `confirm_publish`).
- Measured: `runtime.messaging.relay.Relay` (in a thread) publishing N pre-appended events from a scratch
  database: time from its start until its checkpoint in `relay_checkpoints` reaches the last event.

Target: relay ≥ 2× the baseline (the relay pipelines confirms per batch).
"""
from __future__ import annotations

import argparse
import json
import threading
import time
import uuid

from bench.common import management, paired_median, record, scratch_database, scratch_vhost, wait_for_horizon
import amqp  # noqa: E402,I001  (bench.common first: it imports runtime, which must precede psycopg)

from runtime import db, eventstore as es
from runtime.messaging.topology import consumer_queue
from runtime.messaging.publisher import connection_params
from runtime.messaging.relay import Relay
from runtime.messaging.topology import declare_queues

SERVICE = "roles"
# Only fields that are not personal: personal ones are sealed by the roles service's vault before they
# are appended, and this benchmark appends directly.
LOCAL_FIELDS = {
    "organisational_placement": "Socialpsykiatrien, Parkvænget",
    "internal_partners": ["Personalegruppen på Parkvænget", "Ledergruppen i Socialpsykiatrien"],
    "special_tasks": {"2": ["Udvikle og afholde 3 workshops"]},
}


def description_events(workplace: str) -> list[es.NewEvent]:
    """The five events of a function description's life: adopted, defaults, filled, decided, published."""
    from services.roles.domain import FunctionDescription

    return [
        *FunctionDescription.adopt(workplace, None),
        es.NewEvent("function_description.local_fields_filled", {"fields": LOCAL_FIELDS}),
        es.NewEvent("function_description.support_mode_decided", {"support_mode": "both"}),
        es.NewEvent("function_description.published",
                    {"revision": 1, "workplace": workplace, "support_mode": "both"}),
    ]


def pre_append(url: str, events: int, streams_per_transaction: int = 25) -> list[es.RecordedEvent]:
    """Append about `events` events (5 per stream) and return them in feed order."""
    metadata = es.Metadata(SERVICE, "region-1084", "bench", uuid.uuid4())
    recorded = []
    with db.connect(url) as conn:
        for i in range(max(1, events // 5)):
            stream = es.stream_name("function_description", uuid.uuid4())
            recorded += es.append(conn, stream, description_events(f"Arbejdsplads {i}"), es.NO_STREAM, metadata)
            if (i + 1) % streams_per_transaction == 0:
                conn.commit()
        conn.commit()
    recorded.sort(key=lambda e: e.position)
    # The relay reads below the server-wide xmin horizon: an open transaction anywhere would stall it
    # mid-measurement, so wait (and say who holds it) until every pre-appended event is readable.
    waited = wait_for_horizon(url, recorded[-1].transaction_id)
    if waited > 1:
        print(f"  waited {waited:.1f}s for the feed horizon", flush=True)
    return recorded


class Broker:
    """A py-amqp connection for the baseline loop and for purging between rounds."""

    def __init__(self, amqp_uri: str):
        self.connection = amqp.Connection(**connection_params(amqp_uri), heartbeat=0, confirm_publish=True)
        self.connection.connect()
        self.channel = self.connection.channel()
        self.channel.exchange_declare(f"{SERVICE}.events", "topic", durable=True, auto_delete=False)

    def purge(self, queue: str) -> None:
        self.channel.queue_purge(queue)

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001  (a connection the broker already dropped)
            pass


def confirmed_publish_loop(broker: Broker, envelopes: list[dict], count: int) -> float:
    """Baseline: one persistent, mandatory JSON message at a time, each waiting for its confirm."""
    exchange = f"{SERVICE}.events"
    started = time.perf_counter()
    for i in range(count):
        envelope = envelopes[i % len(envelopes)]
        headers = {"nameko.correlation_id": envelope["correlation_id"], "event_type": envelope["type"]}
        message = amqp.Message(json.dumps(envelope), content_type="application/json", content_encoding="utf-8",
                               delivery_mode=2, message_id=envelope["event_id"], application_headers=headers)
        broker.channel.basic_publish(message, exchange=exchange, routing_key=envelope["type"], mandatory=True)
    return count / (time.perf_counter() - started)


def relay_run(url: str, amqp_uri: str, last: es.FeedPosition, count: int, batch_size: int) -> float:
    """Measured: a fresh Relay from checkpoint zero until its checkpoint reaches `last`; events/s."""
    with db.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM relay_checkpoints")
        relay = Relay(SERVICE, url, amqp_uri, batch_size=batch_size)
        failure = []

        def run():
            try:
                relay.run()
            except BaseException as exc:  # noqa: BLE001  (reported below)
                failure.append(exc)

        thread = threading.Thread(target=run, name="relay", daemon=True)
        started = time.perf_counter()
        thread.start()
        try:
            while True:
                row = conn.execute("SELECT transaction_id::text::bigint AS t, global_position AS g "
                                   "FROM relay_checkpoints").fetchone()
                if row and (row["t"], row["g"]) >= tuple(last):
                    elapsed = time.perf_counter() - started
                    break
                if failure or not thread.is_alive():
                    raise RuntimeError(f"relay stopped early: {failure!r}")
                time.sleep(0.002)
        finally:
            relay.stopping = True
            conn.execute("NOTIFY events_appended")  # wake it from its poll wait
            thread.join(timeout=10)
    return count / elapsed


def measure(events: int, baseline_messages: int, rounds: int, batch_size: int) -> dict:
    baseline, relayed = [], []
    with scratch_database() as url, scratch_vhost() as amqp_uri:
        queue = consumer_queue("bench", "sink", SERVICE, ["function_description"])
        broker = Broker(amqp_uri)
        declare_queues(amqp_uri, [queue])
        recorded = pre_append(url, events)
        envelopes = [e.envelope() for e in recorded]
        envelope_bytes = sum(len(json.dumps(e)) for e in envelopes) / len(envelopes)
        try:
            retries = 3
            while len(relayed) < rounds:  # interleaved so machine noise hits both alike
                try:
                    b = confirmed_publish_loop(broker, envelopes, baseline_messages)
                    broker.purge(queue.name)
                    r = relay_run(url, amqp_uri, recorded[-1].position, len(recorded), batch_size)
                    broker.purge(queue.name)
                except (OSError, amqp.exceptions.AMQPError, RuntimeError) as exc:
                    # The shared broker restarted under us (others run fault tests): redo the round.
                    retries -= 1
                    if retries < 0:
                        raise
                    print(f"  round lost ({type(exc).__name__}: {exc}); waiting for the broker", flush=True)
                    broker.close()
                    management("GET", "overview")
                    broker = Broker(amqp_uri)
                    declare_queues(amqp_uri, [queue])
                    broker.purge(queue.name)
                    continue
                baseline.append(b)
                relayed.append(r)
                print(f"  round: baseline {b:.0f} msgs/s, relay {r:.0f} events/s", flush=True)
        finally:
            broker.close()
    return {
        "events": len(recorded),
        "baseline_messages": baseline_messages,
        "envelope_bytes": round(envelope_bytes),
        "relay_batch_size": batch_size,
        "rounds": rounds,
        "baseline_confirmed_publish_msgs_per_s": round(max(baseline)),
        "relay_events_per_s": round(max(relayed)),
        "baseline_rounds": [round(b) for b in baseline],
        "relay_rounds": [round(r) for r in relayed],
        "ratio": round(max(relayed) / max(baseline), 2),
        "ratio_median_paired": paired_median(relayed, baseline),
        "target_ratio": 2.0,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="backlog size (100k: issue 15)")
    parser.add_argument("--baseline-messages", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=500, help="the relay's batch size (its default)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; best of each is kept")
    args = parser.parse_args(argv)
    figures = measure(args.events, args.baseline_messages, args.rounds, args.batch_size)
    record("relay", figures)
    return figures


if __name__ == "__main__":
    main()
