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
