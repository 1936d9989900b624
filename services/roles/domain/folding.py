"""What the roles aggregates with a read-model row share: folding their stream, and their row."""
from __future__ import annotations

from dataclasses import asdict


class FoldedFromEvents:
    """Mixin for a dataclass aggregate with `id` and `version` fields and an `apply(type, payload)`."""

    @classmethod
    def from_events(cls, aggregate_id, events):
        aggregate = cls(id=str(aggregate_id))
        for event in events:
            aggregate.apply(event.type, event.payload)
            aggregate.version = event.stream_version
        return aggregate

    @classmethod
    def from_row(cls, row: dict):
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})

    def as_row(self) -> dict:
        return asdict(self)

    @property
    def exists(self) -> bool:
        return self.version >= 0
