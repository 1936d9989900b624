"""The national events as this process last decided them, so that a sign-up reads only what came after.

Without it, every sign-up read and validated its national event's whole stream under the event's lock: the
cost grew with the square of the sign-ups (bench/aggregation.py, bench/README.md finding 6). A kept aggregate
is trusted only when the event stored at its version is still the one it last applied (one indexed lookup):
a decision whose transaction rolled back, or a version another process appended, makes that check fail or
leaves only the newer events to fold. An aggregate is taken out while it is being decided, so a decision that
fails half-way leaves nothing behind."""
from __future__ import annotations

from collections import OrderedDict

from runtime.errors import NotFound
from services.national.domain.national_event import NationalEvent

KEPT = 256  # national events a process keeps; a handful are open at a time


class DecidedEvents:
    def __init__(self, size: int = KEPT):
        self.size = size
        self._kept: OrderedDict[str, tuple[NationalEvent, str]] = OrderedDict()

    def load(self, db, event_id) -> NationalEvent:
        """The event's state as committed (as this transaction sees it), folding only what is new to it."""
        stream = NationalEvent.stream_of(event_id)
        aggregate, last_event_id = self._kept.pop(stream, (None, None))
        if aggregate is not None and not self._still_stored(db, stream, aggregate.version, last_event_id):
            aggregate = None
        if aggregate is None:
            aggregate, last_event_id = NationalEvent(event_id), None
        for event in db.read_stream(stream, after_version=aggregate.version):
            aggregate.apply(event.type, event.payload)
            aggregate.version, last_event_id = event.stream_version, str(event.event_id)
        if not aggregate.exists:
            raise NotFound(f"national event {event_id} does not exist")
        aggregate.last_event_id = last_event_id
        return aggregate

    def keep(self, aggregate: NationalEvent, recorded) -> None:
        """After a decision on `aggregate` was recorded (`recorded`: its stored events, maybe none)."""
        last_event_id = str(recorded[-1].event_id) if recorded else getattr(aggregate, "last_event_id", None)
        if last_event_id is None:
            return
        self._kept[aggregate.stream] = (aggregate, last_event_id)
        self._kept.move_to_end(aggregate.stream)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    @staticmethod
    def _still_stored(db, stream: str, version: int, event_id: str) -> bool:
        row = db.execute("SELECT event_id::text AS id FROM events WHERE stream_name = %s AND stream_version = %s",
                         (stream, version)).fetchone()
        return row is not None and row["id"] == event_id
