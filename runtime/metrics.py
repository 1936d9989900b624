"""Prometheus metrics. Labels carry service, event type and queue names only: never personal data.

The series are defined here, at the bottom of the runtime, so every layer can count; the gauges read at
scrape time (lags, parked and blocked streams, dead letters) are filled by the `/metrics` endpoint
(runtime/http/health.py), which sits above what it reads."""
from prometheus_client import Counter, Gauge, Histogram, start_http_server

RELAY_PUBLISHED = Counter("relay_published_events_total", "Events the relay published", ["service"])
RELAY_UNROUTABLE = Counter(
    "relay_unroutable_events_total", "Events no queue was bound for (kept in the store)", ["service", "event_type"]
)
RELAY_CHECKPOINT = Gauge("relay_checkpoint_position", "Global position the relay published up to", ["service"])
OUTBOX_LAG = Gauge("outbox_lag_events", "Committed events not yet published", ["service"])
CONSUMER_APPLIED = Counter("consumer_applied_events_total",
                           "Events a consumer applied and committed, each once (a parked one when its gap is filled)",
                           ["consumer"])
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
