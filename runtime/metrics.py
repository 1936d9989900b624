"""Prometheus metrics. Labels carry service, event type and queue names only: never personal data."""
from prometheus_client import Counter, Gauge, Histogram, generate_latest, start_http_server
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

RELAY_PUBLISHED = Counter("relay_published_events_total", "Events the relay published", ["service"])
RELAY_UNROUTABLE = Counter(
    "relay_unroutable_events_total", "Events no queue was bound for (kept in the store)", ["service", "event_type"]
)
RELAY_CHECKPOINT = Gauge("relay_checkpoint_position", "Global position the relay published up to", ["service"])
OUTBOX_LAG = Gauge("outbox_lag_events", "Committed events not yet published", ["service"])
CONSUMER_APPLIED = Counter("consumer_applied_events_total", "Events applied by a consumer", ["consumer"])
CONSUMER_DUPLICATES = Counter("consumer_duplicate_events_total", "Redelivered events skipped", ["consumer"])
CONSUMER_RETRIES = Counter("consumer_transient_retries_total",
                           "Events run again after a transient failure (not counted against the delivery limit)",
                           ["consumer"])
CONSUMER_PARKED = Counter("consumer_parked_events_total", "Events that arrived ahead of a gap", ["consumer"])
HANDLER_LATENCY = Histogram("consumer_handler_seconds", "Time to apply one event", ["consumer"])
CONSUMER_LAG = Gauge("consumer_lag_seconds", "Age of the last event applied when it was applied", ["consumer"])
PARKED_NOW = Gauge("inbox_parked_events", "Events waiting for a predecessor", ["consumer"])
INBOX_BLOCKED_AGE = Gauge(
    "inbox_blocked_stream_age_seconds",
    "Age of the oldest event parked behind a missing predecessor, per consumer and stream category "
    "(a stream id can be a person id, so it is no label: `peer-admin blocked-streams` lists the streams)",
    ["consumer", "category"])
INBOX_BLOCKED_STREAMS = Gauge("inbox_blocked_streams", "Streams waiting for a missing predecessor",
                              ["consumer", "category"])
DEAD_LETTERS = Gauge("dead_letter_depth", "Messages waiting in a dead-letter queue", ["queue"])


def serve(port: int) -> None:
    start_http_server(port, addr="127.0.0.1")


def refresh_gauges(service: str, conn) -> None:
    """Gauges read at scrape time from the database and the broker (no background threads)."""
    from admin.status import outbox_lag

    OUTBOX_LAG.labels(service).set(outbox_lag(conn, service))
    for parked in conn.execute("SELECT consumer, count(*) AS n FROM inbox_parked GROUP BY consumer").fetchall():
        PARKED_NOW.labels(parked["consumer"]).set(parked["n"])
    from runtime.eventstore.inbox import blocked_streams

    oldest: dict = {}
    for row in blocked_streams(conn):
        key = (row["consumer"], row["stream_name"].split("-", 1)[0])
        age, count = oldest.get(key, (0.0, 0))
        oldest[key] = (max(age, row["age_seconds"]), count + 1)
    INBOX_BLOCKED_AGE.clear()  # a stream unblocked since the last scrape leaves no stale series
    INBOX_BLOCKED_STREAMS.clear()
    for (consumer, category), (age, count) in oldest.items():
        INBOX_BLOCKED_AGE.labels(consumer, category).set(age)
        INBOX_BLOCKED_STREAMS.labels(consumer, category).set(count)


def refresh_dead_letters(amqp_uri: str, service: str) -> None:
    from kombu import Connection

    from runtime.messaging.topology import all_queues

    with Connection(amqp_uri, connect_timeout=2) as conn:
        channel = conn.channel()
        for queue in all_queues((service,)):
            if queue.name.endswith(".dead-letter"):
                DEAD_LETTERS.labels(queue.name).set(channel.queue_declare(queue.name, passive=True).message_count)
        channel.close()


def exposition(service: str, conn):
    from werkzeug.wrappers import Response

    from runtime.config import settings

    refresh_gauges(service, conn)
    try:
        refresh_dead_letters(settings().amqp_uri, service)
    except Exception:  # the broker being down must not take the metrics endpoint down with it
        pass
    # The classic text format, as documented (runtime/http/health.py): generate_latest writes it (underscore
    # escaping); prometheus_client's CONTENT_TYPE_LATEST would announce 1.0.0, which older scrapers refuse.
    return Response(generate_latest(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
