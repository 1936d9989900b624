"""Rebuilding a service's read models from its own events.

The rebuild runs in one transaction and empties the tables with DELETE, not TRUNCATE: TRUNCATE's ACCESS
EXCLUSIVE lock would make every reader wait for the whole rebuild, while under MVCC readers keep
answering from the old rows until the rebuild commits. A live write that touches a row being rebuilt
waits for the commit (row lock) and then applies on top of the rebuilt row; its event, still in progress
when the rebuild read, is not replayed twice.

It includes every event committed before it started: it reads up to the feed horizon and, while a
transaction that was already open at its start still holds the horizon back (events committed behind it
are not readable yet), it waits for that transaction to end instead of stopping at the first empty read.
"""
from __future__ import annotations

import time
from typing import Callable

from psycopg import sql

from runtime import eventstore


class RebuildBlocked(RuntimeError):
    """A transaction open since before the rebuild started did not end in time; nothing was changed."""


def rebuild(conn, tables: tuple[str, ...], project: Callable, progress: Callable[[int], None] | None = None,
            batch_size: int = 1000, wait_for: float = 120.0) -> int:
    """Empty `tables` and replay every event through `project`, in the caller's transaction (the caller
    commits). Returns the number of events replayed."""
    committed_before = eventstore.next_transaction_id(conn)  # before this transaction writes anything
    for table in tables:
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    position, replayed, deadline = eventstore.START, 0, time.monotonic() + wait_for
    while True:
        page = eventstore.read_page(conn, position, limit=batch_size)
        for event in page.events:
            project(conn, event)
        replayed += len(page.events)
        position = page.scanned_to
        if progress and page.events:
            progress(len(page.events))
        if page.at_horizon and page.horizon >= committed_before:
            return replayed
        if page.at_horizon:
            if time.monotonic() > deadline:
                conn.rollback()
                raise RebuildBlocked(f"a transaction open since before the rebuild started is still open after "
                                     f"{wait_for:.0f}s; nothing was changed (see pg_stat_activity)")
            time.sleep(0.05)


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
