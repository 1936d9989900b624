"""The event store in memory, behind the interface of the PostgreSQL one (`eventstore.PostgresEventStore`):
appends with an expected version, streams, the feed in commit order with its pages, and a transaction
that commits or rolls back the appends together with what projections wrote meanwhile.

It is for tests of domain and application rules in milliseconds, without a database or a broker
(as the `eventsourcing` library's POPO recorder is). tests/eventstore/test_store_contract.py runs the
same cases against both stores, so what passes here behaves the same on PostgreSQL.

One transaction at a time: nothing here is shared between threads or processes.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Iterable

import contracts
from runtime.eventstore import (START, ConcurrencyConflict, DuplicateEvent, FeedPage, FeedPosition, Metadata,
                                NewEvent, RecordedEvent, checked_versions)


class InMemoryEventStore:
    def __init__(self):
        self._committed: list[RecordedEvent] = []
        self._pending: list[RecordedEvent] = []
        self._last_position = 0
        self._transaction_id = 1  # the open transaction's id; every committed one is lower
        self.tables: dict[str, dict] = {}  # what projections write (rows by table and key)
        self._tables_at_begin = copy.deepcopy(self.tables)

    # -- writing --------------------------------------------------------------------------------
    def append(self, stream: str, new_events: Iterable[NewEvent], expected_version: int | None,
               metadata: Metadata, occurred_at: datetime | None = None) -> list[RecordedEvent]:
        new_events = list(new_events)
        if not new_events:
            return []
        versions = checked_versions(stream, new_events)
        current = self.current_version(stream)
        if expected_version is not None and current != expected_version:
            raise ConcurrencyConflict(stream, expected_version, current)
        known = {e.event_id for e in (*self._committed, *self._pending)}
        if any(e.event_id in known for e in new_events) or len({e.event_id for e in new_events}) < len(new_events):
            raise DuplicateEvent("event id exists")
        occurred_at = occurred_at or datetime.now(timezone.utc)
        recorded = []
        for offset, (event, version) in enumerate(zip(new_events, versions), start=1):
            self._last_position += 1
            recorded.append(RecordedEvent(
                event_id=event.event_id, type=event.type, schema_version=version, stream=stream,
                stream_version=current + offset, global_position=self._last_position,
                transaction_id=self._transaction_id, occurred_at=occurred_at, metadata=metadata.as_json(),
                payload=event.payload))
        # Kept as JSON (as jsonb keeps it), so a caller changing its payload later changes nothing stored.
        self._pending.extend(RecordedEvent(**{**e.__dict__, "payload": json.loads(json.dumps(e.payload))})
                             for e in recorded)
        return recorded

    def commit(self) -> None:
        self._committed.extend(self._pending)
        self._pending = []
        self._transaction_id += 1
        self._tables_at_begin = copy.deepcopy(self.tables)

    def rollback(self) -> None:
        self._pending = []
        self._transaction_id += 1  # as PostgreSQL: a rolled-back transaction's id is never reused
        self.tables = copy.deepcopy(self._tables_at_begin)

    # -- reading --------------------------------------------------------------------------------
    def current_version(self, stream: str) -> int:
        return max((e.stream_version for e in self._visible() if e.stream == stream), default=-1)

    def read_stream(self, stream: str, after_version: int = -1, upcast: bool = True) -> list[RecordedEvent]:
        """The stream as this transaction sees it: its own appends included, as on one connection."""
        return [_stored(e, upcast) for e in self._visible() if e.stream == stream and e.stream_version > after_version]

    def position_of(self, global_position: int) -> FeedPosition:
        """The feed position of an event known only by its global position."""
        if global_position <= 0:
            return START
        for event in self._committed:
            if event.global_position == global_position:
                return event.position
        raise ValueError(f"no event at global position {global_position}")

    def read_all(self, after: FeedPosition = START, limit: int = 1000, types: Iterable[str] | None = None,
                 upcast: bool = True) -> list[RecordedEvent]:
        types = None if types is None else set(types)
        events = [e for e in self._committed if e.position > after and (types is None or e.type in types)]
        return [_stored(e, upcast) for e in events[:limit]]

    def read_page(self, after: FeedPosition = START, limit: int = 1000, categories: Iterable[str] | None = None,
                  upcast: bool = True) -> FeedPage:
        categories = set(categories) if categories else None
        taken = [e for e in self._committed
                 if e.position > after and (categories is None or e.stream.split("-", 1)[0] in categories)][:limit]
        events = [_stored(e, upcast) for e in taken]
        if len(events) == limit:
            return FeedPage(events, events[-1].position, False, self._transaction_id)
        tail = self._committed[-1].position if self._committed else START
        return FeedPage(events, max(tail, after), True, self._transaction_id)

    def has_events_after(self, after: FeedPosition) -> bool:
        return any(e.position > after for e in self._visible())

    def _visible(self) -> list[RecordedEvent]:
        return [*self._committed, *self._pending]


def _stored(event: RecordedEvent, upcast: bool) -> RecordedEvent:
    """The event as it reads back from a store: its payload JSON (as jsonb returns it), upcast on read."""
    version, payload = event.schema_version, copy.deepcopy(event.payload)
    if upcast:
        version, payload = contracts.upcast(event.type, version, payload)
    return RecordedEvent(**{**event.__dict__, "schema_version": version, "payload": payload})


class InMemoryUnitOfWork:
    """What a worker sees (runtime/store.UnitOfWork), over an in-memory store: appends stamped with
    `metadata`, stream reads, and `conn` for projections, whose writes (`conn.tables`) commit and roll
    back with the events. There is no SQL: `execute` refuses, so a test shows what needs a database."""

    def __init__(self, store: InMemoryEventStore | None = None, metadata: Metadata | None = None):
        import uuid

        self.store = self.conn = store or InMemoryEventStore()
        self.metadata = metadata or Metadata("test", "test-instance", "tester", uuid.uuid4())
        self.appended: list[RecordedEvent] = []

    def append(self, stream: str, events, expected_version: int | None, metadata: Metadata | None = None,
               occurred_at=None) -> list[RecordedEvent]:
        recorded = self.store.append(stream, events, expected_version, metadata or self.metadata, occurred_at)
        self.appended.extend(recorded)
        return recorded

    def read_stream(self, stream: str, after_version: int = -1) -> list[RecordedEvent]:
        return self.store.read_stream(stream, after_version)

    def current_version(self, stream: str) -> int:
        return self.store.current_version(stream)

    def execute(self, query, params=None):
        raise NotImplementedError("the in-memory unit of work runs no SQL: this path needs PostgreSQL")

    def commit(self) -> None:
        self.store.commit()

    def rollback(self) -> None:
        self.appended = []
        self.store.rollback()
