"""Rebuilding a service's read models from its own events.

The rebuild runs in one transaction and empties the tables with DELETE, not TRUNCATE: TRUNCATE's ACCESS
EXCLUSIVE lock would make every reader wait for the whole rebuild, while under MVCC readers keep
answering from the old rows until the rebuild commits. A live write that touches a row being rebuilt
waits for the commit (row lock) and then applies on top of the rebuilt row; its event, still in progress
when the rebuild read, is not replayed twice.

It folds page-wise when the service gives a `project_page` (see `FoldedPages`): a page of events is read
in feed order, each read-model row it touches is read once, folded in memory over the page's events, and
written back in one multi-row upsert. The live path runs the same code with a page of one event, so the
two cannot drift apart.

It includes every event committed before it started: it reads up to the feed horizon and, while a
transaction that was already open at its start still holds the horizon back (events committed behind it
are not readable yet), it waits for that transaction to end instead of stopping at the first empty read.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from psycopg import sql
from psycopg.types.json import Jsonb

from runtime import eventstore


class RebuildBlocked(RuntimeError):
    """A transaction open since before the rebuild started did not end in time; nothing was changed."""


def rebuild(conn, tables: tuple[str, ...], project: Callable, progress: Callable[[int], None] | None = None,
            batch_size: int = 2000, wait_for: float = 120.0, project_page: Callable | None = None) -> int:
    """Empty `tables` and replay every event through `project` (or a page at a time through
    `project_page(conn, events)`), in the caller's transaction (the caller commits). Returns the number
    of events replayed."""
    committed_before = eventstore.next_transaction_id(conn)  # before this transaction writes anything
    for table in tables:
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    position, replayed, deadline = eventstore.START, 0, time.monotonic() + wait_for
    while True:
        page = eventstore.read_page(conn, position, limit=batch_size)
        if project_page is not None:
            if page.events:
                project_page(conn, page.events)
        else:
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


@dataclass(frozen=True)
class Fold:
    """A read model whose row is the fold of one stream's events: the row's state is `load(row)` (or
    `new(entity id)` without a row), `apply(state, event)` folds an event onto it, and `dump(state, event)`
    gives the row after `event`, as {column: value}, `key` first. On conflict every column but `key` and
    `keep` is updated."""

    table: str
    load: Callable[[dict], Any]
    new: Callable[[str], Any]
    apply: Callable[[Any, Any], None]
    dump: Callable[[Any, Any], dict]
    key: str = "id"
    keep: tuple[str, ...] = ()


class FoldedPages:
    """Projects a page of events: events of a `Fold`'s category are folded in memory (one SELECT of the
    rows they touch and one multi-row upsert per table per run of events), every other event goes through
    `project_one(conn, event)` as it comes.

    An event of a category in `independent` touches none of the folds' tables, so the folded rows may be
    written after it. Any other event (an erasure, say) first writes out what was folded so far, so it sees
    and changes the rows as a one-event-at-a-time projection would have left them."""

    def __init__(self, folds: dict[str, Fold], project_one: Callable, independent: Iterable[str] = ()):
        self.folds, self.project_one = folds, project_one
        self.independent = frozenset(independent)

    def __call__(self, conn, events) -> None:
        folding: list = []
        for event in events:
            category = event.stream.split("-", 1)[0]
            if category in self.folds:
                folding.append((self.folds[category], event))
                continue
            if category not in self.independent:
                self._write(conn, folding)
                folding = []
            self.project_one(conn, event)
        self._write(conn, folding)

    def project(self, conn, event) -> None:
        """The live path: a page of one event."""
        self(conn, (event,))

    def _write(self, conn, folding: list) -> None:
        by_table: dict[str, tuple[Fold, dict]] = {}
        for fold, event in folding:
            by_table.setdefault(fold.table, (fold, {}))[1].setdefault(event.stream.split("-", 1)[1], []).append(event)
        for fold, streams in by_table.values():
            found = _rows(conn, fold, list(streams))
            rows = []
            for entity_id, stream_events in streams.items():
                row = found.get(entity_id)
                state = fold.load(row) if row is not None else fold.new(entity_id)
                for event in stream_events:
                    fold.apply(state, event)
                rows.append(fold.dump(state, stream_events[-1]))
            _upsert_rows(conn, fold, rows)


_COLUMN_TYPES: dict[str, dict[str, str]] = {}


def _column_types(conn, table: str) -> dict[str, str]:
    """{column: SQL type} of `table`; a column's type does not change while a process runs."""
    types = _COLUMN_TYPES.get(table)
    if types is None:
        types = {r["name"]: r["type"] for r in conn.execute(
            "SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (table,)).fetchall()}
        _COLUMN_TYPES[table] = types
    return types


def _rows(conn, fold: Fold, entity_ids: list[str]) -> dict[str, dict]:
    """The rows of `entity_ids` in one statement, by entity id as text."""
    if len(entity_ids) == 1:
        query = sql.SQL("SELECT * FROM {} WHERE {} = %s").format(sql.Identifier(fold.table), sql.Identifier(fold.key))
        params: tuple = (entity_ids[0],)
    else:
        query = sql.SQL("SELECT * FROM {} WHERE {} = ANY(%s::{}[])").format(
            sql.Identifier(fold.table), sql.Identifier(fold.key), sql.SQL(_column_types(conn, fold.table)[fold.key]))
        params = (entity_ids,)
    return {str(row[fold.key]): row for row in conn.execute(query, params).fetchall()}


def _value(v):
    return Jsonb(v) if isinstance(v, (dict, list)) else v


def _upsert_rows(conn, fold: Fold, rows: list[dict]) -> None:
    """One statement: a row as VALUES, several as one array per column (`unnest`), so that the statement's
    text stays the same whatever the number of rows."""
    columns = list(rows[0])
    updated = [c for c in columns if c != fold.key and c not in fold.keep]
    if len(rows) == 1:
        source = sql.SQL("VALUES ({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns)))
        params = [_value(v) for v in rows[0].values()]
    else:
        types = _column_types(conn, fold.table)
        source = sql.SQL("SELECT * FROM unnest({})").format(sql.SQL(", ").join(
            sql.SQL("%s::{}[]").format(sql.SQL(types[c])) for c in columns))
        params = [[_value(row[c]) for row in rows] for c in columns]
    conn.execute(
        sql.SQL("INSERT INTO {t} ({cols}) {source} ON CONFLICT ({key}) DO UPDATE SET {sets}").format(
            t=sql.Identifier(fold.table), cols=sql.SQL(", ").join(map(sql.Identifier, columns)), source=source,
            key=sql.Identifier(fold.key),
            sets=sql.SQL(", ").join(sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in updated)),
        params)
