"""Rebuilding read models that come only from consumed events, from the feeds of the services consumed.

For a service with no events of its own (notifications): its `@consumes` handlers are run over each
source's whole feed, with the inbox, in one transaction (readers see the old rows until it commits).
The rebuild of a service's read models from its own events is runtime/eventstore/projection.py."""
from __future__ import annotations

import uuid
from typing import Callable

from psycopg import sql

from contracts.envelope import read_envelope
from runtime import eventstore
from runtime.messaging.consumer import consumer_entrypoints
from runtime.service.database import UnitOfWork


def rebuild_from_feeds(conn, service_cls, tables: tuple[str, ...], fetch_page: Callable,
                       progress: Callable[[int], None] | None = None) -> int:
    """Rebuild read models that come only from consumed events (a service with no events of its own,
    e.g. notifications): empty `tables` and the consumers' inbox state, then run every event of each
    `@consumes` entrypoint's source feed through that entrypoint, with the inbox, in the caller's
    transaction (readers see the old rows until it commits). `fetch_page(source, position, categories)`
    answers as the feed's `events_after` does. The handlers may use only `self.db`."""
    consumers = consumer_entrypoints(service_cls)
    queues = [queue for queue, _, _ in consumers]
    for table in tables:
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    for table in ("inbox_streams", "inbox_parked", "feed_checkpoints"):
        conn.execute(sql.SQL("DELETE FROM {} WHERE consumer = ANY(%s)").format(sql.Identifier(table)), (queues,))
    replayed = 0
    for queue, method, entrypoint in consumers:
        service = service_cls.__new__(service_cls)  # as nameko builds a worker's instance, with `db` injected
        metadata = eventstore.Metadata(service_cls.name, "rebuild", f"service:{service_cls.name}", uuid.uuid4())
        service.db = UnitOfWork(conn, metadata, consumer=queue)
        position = 0
        while True:
            page = fetch_page(entrypoint.source_service, position, list(entrypoint.categories))
            for envelope in page["events"]:
                getattr(service, method)(read_envelope(envelope))
            replayed += len(page["events"])
            position = page["scanned_to"]
            if progress and page["events"]:
                progress(len(page["events"]))
            if page["at_horizon"]:
                break
        conn.execute("INSERT INTO feed_checkpoints (consumer, source, global_position) VALUES (%s, %s, %s)",
                     (queue, entrypoint.source_service, position))
    return replayed
