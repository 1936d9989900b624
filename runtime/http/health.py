"""Health, readiness, metrics and the OpenAPI document: the endpoints every service has."""
from kombu import Connection
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from werkzeug.wrappers import Response

from runtime import metrics
from runtime.config import settings
from runtime.eventstore.inbox import blocked_streams
from runtime.http.auth import PUBLIC
from runtime.http.entrypoint import api
from runtime.http.openapi import document
from runtime.messaging.consumer import consumer_queues
from runtime.messaging.relay import outbox_lag

PROMETHEUS_TEXT = "text/plain; version=0.0.4"  # prometheus_client's CONTENT_TYPE_LATEST, less the charset


class HealthEndpoints:
    """Mixin for a service class that has `db = Database()`."""

    @api("GET", "/health", allow=PUBLIC, summary="Liveness")
    def health(self, request):
        return {"status": "ok", "service": self.name}

    @api("GET", "/ready", allow=PUBLIC, summary="Readiness: the database answers")
    def ready(self, request):
        self.db.execute("SELECT 1")
        return {"status": "ready", "service": self.name}

    @api("GET", "/openapi.json", allow=PUBLIC, summary="This service's OpenAPI document")
    def openapi(self, request):
        return document(type(self))

    @api("GET", "/metrics", allow=("admin",), produces=PROMETHEUS_TEXT,
         summary="Prometheus metrics in the text exposition format (scrape with an admin token)")
    def metrics(self, request):
        return exposition(type(self), self.db.conn)


def refresh_gauges(service: str, conn) -> None:
    """Gauges read at scrape time from the database and the broker (no background threads)."""
    metrics.OUTBOX_LAG.labels(service).set(outbox_lag(conn, service))
    for parked in conn.execute("SELECT consumer, count(*) AS n FROM inbox_parked GROUP BY consumer").fetchall():
        metrics.PARKED_NOW.labels(parked["consumer"]).set(parked["n"])
    oldest: dict = {}
    for row in blocked_streams(conn):
        key = (row["consumer"], row["stream_name"].split("-", 1)[0])
        age, count = oldest.get(key, (0.0, 0))
        oldest[key] = (max(age, row["age_seconds"]), count + 1)
    metrics.INBOX_BLOCKED_AGE.clear()  # a stream unblocked since the last scrape leaves no stale series
    metrics.INBOX_BLOCKED_STREAMS.clear()
    for (consumer, category), (age, count) in oldest.items():
        metrics.INBOX_BLOCKED_AGE.labels(consumer, category).set(age)
        metrics.INBOX_BLOCKED_STREAMS.labels(consumer, category).set(count)


def refresh_dead_letters(amqp_uri: str, service_cls) -> None:
    with Connection(amqp_uri, connect_timeout=2) as conn:
        channel = conn.channel()
        for queue in consumer_queues(service_cls):
            if queue.name.endswith(".dead-letter"):
                metrics.DEAD_LETTERS.labels(queue.name).set(channel.queue_declare(queue.name, passive=True).message_count)
        channel.close()


def exposition(service_cls, conn):
    refresh_gauges(service_cls.name, conn)
    try:
        refresh_dead_letters(settings().amqp_uri, service_cls)
    except Exception:  # the broker being down must not take the metrics endpoint down with it
        pass
    # The classic text format, as documented (runtime/http/health.py): generate_latest writes it (underscore
    # escaping); prometheus_client's CONTENT_TYPE_LATEST would announce 1.0.0, which older scrapers refuse.
    return Response(generate_latest(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
