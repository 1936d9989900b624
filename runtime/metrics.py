"""Prometheus metrics. Labels carry service, event type and queue names only: never personal data."""
from prometheus_client import Counter, Gauge, Histogram, start_http_server

RELAY_PUBLISHED = Counter("relay_published_events_total", "Events the relay published", ["service"])
RELAY_UNROUTABLE = Counter(
    "relay_unroutable_events_total", "Events no queue was bound for (kept in the store)", ["service", "event_type"]
)
RELAY_CHECKPOINT = Gauge("relay_checkpoint_position", "Global position the relay published up to", ["service"])
OUTBOX_LAG = Gauge("outbox_lag_events", "Committed events not yet published", ["service"])
CONSUMER_APPLIED = Counter("consumer_applied_events_total", "Events applied by a consumer", ["consumer"])
CONSUMER_DUPLICATES = Counter("consumer_duplicate_events_total", "Redelivered events skipped", ["consumer"])
CONSUMER_PARKED = Counter("consumer_parked_events_total", "Events that arrived ahead of a gap", ["consumer"])
HANDLER_LATENCY = Histogram("consumer_handler_seconds", "Time to apply one event", ["consumer"])
CONSUMER_LAG = Gauge("consumer_lag_seconds", "Age of the last event applied when it was applied", ["consumer"])
DEAD_LETTERS = Gauge("dead_letter_depth", "Messages waiting in a dead-letter queue", ["queue"])


def serve(port: int) -> None:
    start_http_server(port, addr="127.0.0.1")
