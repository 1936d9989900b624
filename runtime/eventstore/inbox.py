"""Idempotent, order-restoring application of consumed events.

Per consumer and source stream the inbox keeps the last version applied, in the same transaction as
the handler's effects. An event at or below it is a duplicate and skipped; one that arrives ahead of
a gap is parked until its predecessor arrives, then applied in stream order. So redelivery,
duplication and reordering never change the result.

`consumer_applied_events_total` is not counted here: the handler's transaction may still roll back (and the
event be applied again on redelivery). The caller counts each handler run once it has committed
(runtime/service/database.py), a released parked event included.
"""
from __future__ import annotations

from typing import Callable

from psycopg.types.json import Jsonb

from runtime import metrics

APPLIED, DUPLICATE, PARKED = "applied", "duplicate", "parked"


def apply_once(conn, consumer: str, envelope: dict, handler: Callable[[dict], None]) -> str:
    stream, version = envelope["stream"], envelope["stream_version"]
    # One round trip: create the stream's row if new, lock it (DO UPDATE takes the row lock, so
    # concurrent deliveries of one stream apply one after the other), and read its version.
    applied = conn.execute(
        "INSERT INTO inbox_streams (consumer, stream_name, applied_version) VALUES (%s, %s, -1) "
        "ON CONFLICT (consumer, stream_name) DO UPDATE SET applied_version = inbox_streams.applied_version "
        "RETURNING applied_version", (consumer, stream)).fetchone()["applied_version"]
    if version <= applied:
        metrics.CONSUMER_DUPLICATES.labels(consumer).inc()
        return DUPLICATE
    if version > applied + 1:
        conn.execute(
            "INSERT INTO inbox_parked (consumer, stream_name, stream_version, envelope) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING", (consumer, stream, version, Jsonb(envelope)))
        metrics.CONSUMER_PARKED.labels(consumer).inc()
        return PARKED
    handler(envelope)
    applied = version
    while True:
        # One round trip: record the version applied, and take the event parked right behind it, if the
        # gap this event closed released one (it is applied next, and the version recorded again).
        parked = conn.execute(_ADVANCE, {"consumer": consumer, "stream": stream, "applied": applied}).fetchone()
        if parked is None:
            break
        handler(parked["envelope"])
        applied += 1
    return APPLIED


_ADVANCE = """
WITH advanced AS (
    UPDATE inbox_streams SET applied_version = %(applied)s, updated_at = now()
     WHERE consumer = %(consumer)s AND stream_name = %(stream)s
)
DELETE FROM inbox_parked
 WHERE consumer = %(consumer)s AND stream_name = %(stream)s AND stream_version = %(applied)s + 1
RETURNING envelope
"""


def parked_count(conn, consumer: str | None = None) -> int:
    query, params = "SELECT count(*) AS n FROM inbox_parked", ()
    if consumer:
        query, params = query + " WHERE consumer = %s", (consumer,)
    return conn.execute(query, params).fetchone()["n"]


def blocked_streams(conn, consumer: str | None = None, older_than: float = 0.0) -> list[dict]:
    """Streams whose parked events wait for a predecessor that has not arrived, oldest first: consumer,
    stream, the version applied, the first version parked, how many wait, and the age of the oldest."""
    return conn.execute(
        "SELECT p.consumer, p.stream_name, coalesce(s.applied_version, -1) AS applied_version, "
        "min(p.stream_version) AS first_parked, count(*) AS parked, "
        "extract(epoch FROM now() - min(p.parked_at))::float AS age_seconds "
        "FROM inbox_parked p LEFT JOIN inbox_streams s USING (consumer, stream_name) "
        "WHERE %(consumer)s::text IS NULL OR p.consumer = %(consumer)s "
        "GROUP BY p.consumer, p.stream_name, s.applied_version "
        "HAVING extract(epoch FROM now() - min(p.parked_at)) >= %(older_than)s "
        "ORDER BY age_seconds DESC", {"consumer": consumer, "older_than": older_than}).fetchall()
