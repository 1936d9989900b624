"""Rebuilding a service's read models from its own events."""
from __future__ import annotations

from typing import Callable

from psycopg import sql

from runtime import eventstore


def rebuild(conn, tables: tuple[str, ...], project: Callable, progress: Callable[[int], None] | None = None,
            batch_size: int = 1000) -> int:
    """Empty `tables` and replay every event through `project`, in one transaction (readers see the
    old rows until it commits). Returns the number of events replayed."""
    conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(sql.Identifier(t) for t in tables)))
    position, replayed = eventstore.START, 0
    while True:
        batch = eventstore.read_all(conn, position, limit=batch_size)
        if not batch:
            return replayed
        for event in batch:
            project(conn, event)
        replayed += len(batch)
        position = batch[-1].position
        if progress:
            progress(len(batch))


def total_events(conn) -> int:
    return conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"]


class Handlers:
    """A service's projection handlers by event type: `handler(conn, event, entity_id, payload)`, where
    the entity id is the event's stream id (`<category>-<id>`)."""

    def __init__(self):
        self._by_type: dict[str, Callable] = {}

    def handles(self, event_type: str):
        def register(fn):
            self._by_type[event_type] = fn
            return fn
        return register

    def project(self, conn, event) -> None:
        handler = self._by_type.get(event.type)
        if handler is not None:
            handler(conn, event, event.stream.split("-", 1)[1], event.payload)


def touch(conn, table: str, entity_id: str, event) -> None:
    """The entity's row follows its stream: version and last change from the event (never the clock)."""
    conn.execute(sql.SQL("UPDATE {} SET version = %s, updated_at = %s WHERE id = %s").format(sql.Identifier(table)),
                 (event.stream_version, event.occurred_at, entity_id))


def touching(table: str):
    """Decorates a handler of an entity's event: whatever else it changes, the entity's row moves on."""
    def decorate(fn):
        def wrapped(conn, event, entity_id, payload):
            fn(conn, event, entity_id, payload)
            touch(conn, table, entity_id, event)
        return wrapped
    return decorate
