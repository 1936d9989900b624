"""What every aggregate shares: folding its stream, and its version for appends (courses, network)."""
from __future__ import annotations

import uuid

from runtime.eventstore import RecordedEvent, stream_name


class Aggregate:
    CATEGORY = ""

    def __init__(self, aggregate_id: uuid.UUID):
        self.id = aggregate_id
        self.version = -1

    @classmethod
    def from_events(cls, aggregate_id, events: list[RecordedEvent]):
        aggregate = cls(aggregate_id)
        for event in events:
            aggregate.apply(event.type, event.payload)
            aggregate.version = event.stream_version
        return aggregate

    @classmethod
    def stream_of(cls, aggregate_id) -> str:
        return stream_name(cls.CATEGORY, aggregate_id)

    @property
    def stream(self) -> str:
        return self.stream_of(self.id)

    @property
    def exists(self) -> bool:
        return self.version >= 0

    def apply(self, event_type: str, payload: dict) -> None:
        handler = getattr(self, "on_" + event_type.split(".", 1)[1], None)
        if handler is not None:
            handler(payload)
