"""The event store: streams with expected-version appends, and a global feed in commit order.

Concurrent appends are allowed (no table lock). Global positions come from an identity column, so
two writers can commit positions out of order. Readers therefore order the feed by
(transaction_id, global_position) and only read rows whose transaction is below the oldest
transaction of this database still in progress (`_HORIZON`): every transaction below it has
finished, so no event can later appear behind a reader's checkpoint. A `FeedPosition` is that pair.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, NamedTuple

import psycopg
from psycopg import errors
from psycopg.rows import tuple_row

import contracts

__all__ = [
    "NO_STREAM",
    "ANY_VERSION",
    "ConcurrencyConflict",
    "DuplicateEvent",
    "ServerInRecovery",
    "assert_primary",
    "FeedPosition",
    "START",
    "NewEvent",
    "Metadata",
    "RecordedEvent",
    "stream_name",
    "current_version",
    "checked_versions",
    "append",
    "read_stream",
    "position_of",
    "read_all",
    "FeedPage",
    "read_page",
    "next_transaction_id",
    "has_events_after",
    "PostgresEventStore",
]

NO_STREAM = -1  # expected version of a stream that must not exist yet
ANY_VERSION = None  # append without a concurrency check


class ConcurrencyConflict(Exception):
    """The stream moved on since the caller read it (HTTP 409)."""

    def __init__(self, stream: str, expected: int | None, actual: int | None):
        at = "moved on" if actual is None else f"is at version {actual}"
        super().__init__(f"stream {stream} {at}, expected version {expected}")
        self.stream, self.expected, self.actual = stream, expected, actual


class DuplicateEvent(Exception):
    """An event with this id was already appended."""


class ServerInRecovery(RuntimeError):
    """The feed was asked of a PostgreSQL server in recovery (a hot standby): refused."""

    def __init__(self):
        super().__init__(
            "this PostgreSQL server is in recovery (a hot standby): on a standby the running transactions "
            "are listed as sub-transactions, so the feed horizon would collapse to xmax and skip events "
            "still in progress on the primary. Run relays and the feed against the primary.")


def assert_primary(conn: psycopg.Connection) -> None:
    if conn.execute("SELECT pg_is_in_recovery() AS in_recovery").fetchone()["in_recovery"]:
        raise ServerInRecovery()


class FeedPosition(NamedTuple):
    transaction_id: int
    global_position: int


START = FeedPosition(0, 0)


@dataclass
class NewEvent:
    type: str
    payload: dict
    schema_version: int | None = None  # defaults to the contract's latest
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class Metadata:
    source_service: str
    instance_id: str
    actor: str
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None

    def as_json(self) -> dict:
        return {
            "source_service": self.source_service,
            "instance_id": self.instance_id,
            "actor": self.actor,
            "correlation_id": str(self.correlation_id),
            "causation_id": str(self.causation_id) if self.causation_id else None,
        }


@dataclass(frozen=True)
class RecordedEvent:
    event_id: uuid.UUID
    type: str
    schema_version: int
    stream: str
    stream_version: int
    global_position: int
    transaction_id: int
    occurred_at: datetime
    metadata: dict
    payload: dict

    @property
    def position(self) -> FeedPosition:
        return FeedPosition(self.transaction_id, self.global_position)

    def envelope(self) -> dict:
        """The JSON envelope (contracts/envelope.py) this event travels in."""
        return {
            "event_id": str(self.event_id),
            "type": self.type,
            "schema_version": self.schema_version,
            "stream": self.stream,
            "stream_version": self.stream_version,
            "global_position": self.global_position,
            "occurred_at": self.occurred_at.isoformat(),
            **self.metadata,
            "payload": self.payload,
        }


_COLUMNS = (
    "event_id, event_type AS type, schema_version, stream_name AS stream, stream_version, "
    "global_position, transaction_id::text::bigint AS transaction_id, occurred_at, metadata, payload"
)

_APPEND = """
WITH current AS (
    SELECT coalesce(max(stream_version), -1) AS version FROM events WHERE stream_name = %(stream)s
)
INSERT INTO events (event_id, stream_name, stream_version, event_type, schema_version,
                    payload, metadata, occurred_at)
SELECT e.event_id, %(stream)s, current.version + e.ordinal, e.event_type, e.schema_version,
       e.payload, %(metadata)s, %(occurred_at)s
FROM current,
     unnest(%(ids)s::uuid[], %(types)s::text[], %(versions)s::int[], %(payloads)s::jsonb[])
         WITH ORDINALITY AS e(event_id, event_type, schema_version, payload, ordinal)
WHERE %(expected)s::bigint IS NULL OR current.version = %(expected)s::bigint
ORDER BY e.ordinal
RETURNING global_position, stream_version, transaction_id::text::bigint AS transaction_id
"""


# The common case, one event, without array parameters: measurably less CPU per append.
_APPEND_ONE = """
WITH current AS (
    SELECT coalesce(max(stream_version), -1) AS version FROM events WHERE stream_name = %(stream)s
)
INSERT INTO events (event_id, stream_name, stream_version, event_type, schema_version,
                    payload, metadata, occurred_at)
SELECT %(id)s, %(stream)s, current.version + 1, %(type)s, %(version)s, %(payload)s, %(metadata)s, %(occurred_at)s
FROM current
WHERE %(expected)s::bigint IS NULL OR current.version = %(expected)s::bigint
RETURNING global_position, stream_version, transaction_id::text::bigint AS transaction_id
"""


def stream_name(category: str, entity_id) -> str:
    return f"{category}-{entity_id}"


def current_version(conn: psycopg.Connection, stream: str) -> int:
    row = conn.execute(
        "SELECT coalesce(max(stream_version), -1) AS version FROM events WHERE stream_name = %s",
        (stream,),
    ).fetchone()
    return row["version"]


def checked_versions(stream: str, new_events: list[NewEvent]) -> list[int]:
    """What every store checks before it appends: each payload valid by its contract (at the contract's
    latest version unless the event names one), each event of the stream's category. Returns the versions."""
    versions = []
    for e in new_events:
        e.schema_version = e.schema_version or contracts.latest_version(e.type)
        contracts.validate_payload(e.type, e.schema_version, e.payload)
        if contracts.category_of(e.type) != stream.split("-", 1)[0]:
            raise ValueError(f"event {e.type} does not belong in stream {stream}")
        versions.append(e.schema_version)
    return versions


def append(
    conn: psycopg.Connection,
    stream: str,
    new_events: Iterable[NewEvent],
    expected_version: int | None,
    metadata: Metadata,
    occurred_at: datetime | None = None,
) -> list[RecordedEvent]:
    """Append to `stream` in the caller's transaction; payloads are validated by their contracts.

    `occurred_at` defaults to now; a service recording what happened elsewhere (the national service
    storing a region's fact) passes the source's time, so its picture is dated by the facts.

    The caller commits: that is what makes the event table an outbox (the read model written in the
    same transaction, and the relay publishing only what committed). On an autocommit connection the
    append is one statement, so it is a durable transaction of its own, in one round trip.
    """
    new_events = list(new_events)
    if not new_events:
        return []
    versions = checked_versions(stream, new_events)
    occurred_at = occurred_at or datetime.now(timezone.utc)
    stamped = metadata.as_json()
    params = {
        "stream": stream,
        "expected": expected_version,
        "metadata": json.dumps(stamped),
        "occurred_at": occurred_at,
    }
    if len(new_events) == 1:
        statement = _APPEND_ONE
        params.update(id=new_events[0].event_id, type=new_events[0].type, version=versions[0],
                      payload=json.dumps(new_events[0].payload))
    else:
        statement = _APPEND
        params.update(ids=[e.event_id for e in new_events], types=[e.type for e in new_events],
                      versions=versions, payloads=[json.dumps(e.payload) for e in new_events])
    try:  # rows as tuples (global_position, stream_version, transaction_id): less CPU per append than dicts
        rows = conn.cursor(row_factory=tuple_row).execute(statement, params).fetchall()
    except errors.UniqueViolation as exc:
        if exc.diag.constraint_name == "events_event_id_unique":
            raise DuplicateEvent(str(exc.diag.message_detail or "event id exists")) from None
        raise ConcurrencyConflict(stream, expected_version, None) from None
    if not rows:
        raise ConcurrencyConflict(stream, expected_version, current_version(conn, stream))
    return [
        RecordedEvent(
            event_id=e.event_id,
            type=e.type,
            schema_version=e.schema_version,
            stream=stream,
            stream_version=stream_version,
            global_position=global_position,
            transaction_id=transaction_id,
            occurred_at=occurred_at,
            metadata=dict(stamped),
            payload=e.payload,
        )
        for e, (global_position, stream_version, transaction_id) in zip(new_events, rows)
    ]


def _recorded(row: dict, upcast: bool) -> RecordedEvent:
    row = dict(row)
    if upcast:
        row["schema_version"], row["payload"] = contracts.upcast(
            row["type"], row["schema_version"], row["payload"]
        )
    return RecordedEvent(**row)


def read_stream(
    conn: psycopg.Connection, stream: str, after_version: int = -1, upcast: bool = True
) -> list[RecordedEvent]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE stream_name = %s AND stream_version > %s "
        "ORDER BY stream_version",
        (stream, after_version),
    ).fetchall()
    return [_recorded(r, upcast) for r in rows]


def position_of(conn: psycopg.Connection, global_position: int) -> FeedPosition:
    """The feed position of an event known only by its global position."""
    if global_position <= 0:
        return START
    row = conn.execute(
        "SELECT transaction_id::text::bigint AS t FROM events WHERE global_position = %s",
        (global_position,),
    ).fetchone()
    if row is None:
        raise ValueError(f"no event at global position {global_position}")
    return FeedPosition(row["t"], global_position)


# The horizon below which the feed may read: the oldest transaction still in progress that may
# belong to this database. Transaction ids are server-wide, so pg_snapshot_xmin alone would let a
# long transaction in *another* database (another service, an operator's session, a rebuild) stop
# every relay on the server. In-progress xids that pg_stat_activity attributes to another database
# are skipped; anything it cannot attribute (no backend_xid visible, prepared transactions, a
# transaction that just ended) still counts, so the horizon is never later than it is safe to be.
_HORIZON = """
    SELECT coalesce(
        (SELECT min(xip) FROM pg_snapshot_xip(pg_current_snapshot()) AS xip
          WHERE (xip::text::bigint %% 4294967296) NOT IN (
                SELECT backend_xid::text::bigint FROM pg_stat_activity
                 WHERE backend_xid IS NOT NULL AND datname IS NOT NULL AND datname <> current_database())),
        pg_snapshot_xmax(pg_current_snapshot())) AS horizon
"""


def read_all(
    conn: psycopg.Connection,
    after: FeedPosition = START,
    limit: int = 1000,
    types: Iterable[str] | None = None,
    upcast: bool = True,
) -> list[RecordedEvent]:
    """Events after `after` in commit order, only from transactions that can no longer change."""
    type_filter = ""
    params: dict = {"t": str(after.transaction_id), "g": after.global_position, "limit": limit}
    if types is not None:
        type_filter = "AND event_type = ANY(%(types)s)"
        params["types"] = list(types)
    # One statement, so the horizon and the rows come from the same snapshot.
    rows = conn.execute(
        f"WITH h AS ({_HORIZON}) SELECT {_COLUMNS} FROM events, h "
        "WHERE (transaction_id, global_position) > (%(t)s::xid8, %(g)s) AND transaction_id < h.horizon "
        # qualified: a bare `transaction_id` is the text-cast output column, which no index orders
        f"{type_filter} ORDER BY events.transaction_id, events.global_position LIMIT %(limit)s",
        params,
    ).fetchall()
    return [_recorded(r, upcast) for r in rows]


class FeedPage(NamedTuple):
    """One page of the feed: the events taken, and how far the reader may advance even if it took none."""

    events: list[RecordedEvent]
    scanned_to: FeedPosition  # every readable event up to here was considered (taken or filtered out)
    at_horizon: bool  # nothing readable lies beyond `scanned_to` yet
    horizon: int = 0  # the transaction id below which this page could read


_PAGE_EXTRAS = ("in_recovery", "page_horizon", "tail_t", "tail_g")


def read_page(
    conn: psycopg.Connection,
    after: FeedPosition = START,
    limit: int = 1000,
    categories: Iterable[str] | None = None,
    upcast: bool = True,
) -> FeedPage:
    """Up to `limit` events of `categories` after `after`, filtered in SQL, with the position scanned to.

    A reader that takes one category out of thousands of other events advances past those it does not
    take (`scanned_to`) instead of reading the same page again, and stops only `at_horizon`."""
    params: dict = {"t": str(after.transaction_id), "g": after.global_position, "limit": limit,
                    "categories": list(categories) if categories else None}
    # One statement, so the horizon, the page and the last readable position come from one snapshot.
    rows = conn.execute(
        f"""WITH h AS MATERIALIZED ({_HORIZON}),
        tail AS (SELECT transaction_id::text::bigint AS tail_t, global_position AS tail_g FROM events, h
                  WHERE transaction_id < h.horizon ORDER BY transaction_id DESC, global_position DESC LIMIT 1),
        page AS (SELECT {_COLUMNS} FROM events, h
                  WHERE (transaction_id, global_position) > (%(t)s::xid8, %(g)s) AND transaction_id < h.horizon
                    AND (%(categories)s::text[] IS NULL OR split_part(stream_name, '-', 1) = ANY(%(categories)s))
                  ORDER BY events.transaction_id, events.global_position LIMIT %(limit)s)
        SELECT one.in_recovery, h.horizon::text::bigint AS page_horizon, tail.*, page.*
          FROM (SELECT pg_is_in_recovery() AS in_recovery) AS one CROSS JOIN h
               LEFT JOIN tail ON true LEFT JOIN page ON true
        ORDER BY page.transaction_id, page.global_position""",
        params,
        # Filtered by category, planned for its values each time: once prepared (psycopg does after five
        # runs), the generic plan guessed the filter kept 0.5 % of the feed, and read and sorted every later
        # event for each page (305 ms a page at 700,000 of 1,000,000; quadratic over a rebuild). Migration
        # 0008's statistics make the custom plan walk the feed index in order; planning costs < 1 ms a page.
        prepare=False if params["categories"] else None,
    ).fetchall()
    if rows[0]["in_recovery"]:
        raise ServerInRecovery()
    events = [_recorded({k: v for k, v in r.items() if k not in _PAGE_EXTRAS}, upcast)
              for r in rows if r["event_id"] is not None]
    horizon = rows[0]["page_horizon"]
    if len(events) == limit:
        return FeedPage(events, events[-1].position, False, horizon)
    tail = FeedPosition(rows[0]["tail_t"], rows[0]["tail_g"]) if rows[0]["tail_t"] is not None else START
    return FeedPage(events, max(tail, after), True, horizon)


def next_transaction_id(conn: psycopg.Connection) -> int:
    """Every transaction that has committed by now has a lower id than this (the snapshot's xmax)."""
    return conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS x").fetchone()["x"]


def has_events_after(conn: psycopg.Connection, after: FeedPosition) -> bool:
    """Whether any event (readable yet or not) lies after `after`: a reader that read nothing but gets
    True here waits on a transaction still in progress, and should look again soon."""
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM events WHERE (transaction_id, global_position) > (%s::xid8, %s)) AS e",
        (str(after.transaction_id), after.global_position)).fetchone()["e"]


class PostgresEventStore:
    """The store of one connection, behind the interface the in-memory store shares
    (runtime/eventstore/memory.py): what a unit of work appends to and reads from. The caller's transaction
    is the store's: `commit` and `rollback` are the connection's."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def append(self, stream: str, new_events: Iterable[NewEvent], expected_version: int | None,
               metadata: Metadata, occurred_at: datetime | None = None) -> list[RecordedEvent]:
        return append(self.conn, stream, new_events, expected_version, metadata, occurred_at)

    def read_stream(self, stream: str, after_version: int = -1, upcast: bool = True) -> list[RecordedEvent]:
        return read_stream(self.conn, stream, after_version, upcast)

    def current_version(self, stream: str) -> int:
        return current_version(self.conn, stream)

    def position_of(self, global_position: int) -> FeedPosition:
        return position_of(self.conn, global_position)

    def read_all(self, after: FeedPosition = START, limit: int = 1000, types: Iterable[str] | None = None,
                 upcast: bool = True) -> list[RecordedEvent]:
        return read_all(self.conn, after, limit, types, upcast)

    def read_page(self, after: FeedPosition = START, limit: int = 1000, categories: Iterable[str] | None = None,
                  upcast: bool = True) -> FeedPage:
        return read_page(self.conn, after, limit, categories, upcast)

    def has_events_after(self, after: FeedPosition) -> bool:
        return has_events_after(self.conn, after)

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()
