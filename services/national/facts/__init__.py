"""The national picture, one module per kind of fact: which event it counts, and into which measures.

A fact kind module registers, with `@counts(event_type)`, a function that turns one received fact
into `(measure, period, amount)` increments of the picture (`picture_cells`: measure × source
instance × month). A fact that states a current value (a network's size, a meeting's attendance
after a correction) registers with `latest_of`: the stream's latest fact of a key replaces the
earlier one, whose increments are taken back (the inbox restores each stream's order, and a
rebuild replays it in that order). The projection keeps the counting report of each stream and key,
with its increments, in `latest_reports`: a fact costs the same whatever the length of its stream. Adding a kind of fact (peers by kind, when
its contract exists) is one module here, imported below; nothing else changes: the consumer
binds every national contract's category, and the API and CSV list every measure of `MEASURES`.
"""
from __future__ import annotations

from datetime import date
from typing import Callable, Iterable

from runtime.eventstore import RecordedEvent

Increment = tuple[str, date, int]
_COUNTERS: dict[str, Callable[[RecordedEvent], Iterable[Increment]]] = {}
_LATEST_OF: dict[str, Callable[[dict], str]] = {}  # event type -> key of what a fact states, within its stream
MEASURES: dict[str, str] = {}  # measure -> what it counts (English; the API's description)


def measure(name: str, description: str) -> str:
    MEASURES[name] = description
    return name


def counts(event_type: str, latest_of: Callable[[dict], str] | None = None):
    """`latest_of(payload)`: what the fact is a report of within its stream (the stream's latest report of
    it counts); None: every fact counts."""
    def register(fn):
        if event_type in _COUNTERS:
            raise ValueError(f"{event_type} is counted twice")
        _COUNTERS[event_type] = fn
        if latest_of:
            _LATEST_OF[event_type] = latest_of
        return fn
    return register


def month_of(day: date) -> date:
    return day.replace(day=1)


def counted(event: RecordedEvent) -> list[Increment]:
    """The fact's own increments (before any report it replaces is taken back)."""
    counter = _COUNTERS.get(event.type)
    return list(counter(event)) if counter else []


def increments(event: RecordedEvent, replaced: RecordedEvent | None = None,
               taken_back: Iterable[Increment] = ()) -> list[Increment]:
    """The fact's increments, less those of the earlier fact it `replaced` (`replaces`), or less the
    increments `taken_back` (what the replaced report counted, as stored); none that are 0."""
    if event.type not in _COUNTERS:
        return []
    net: dict[tuple[str, date], int] = {}
    earlier = counted(replaced) if replaced else list(taken_back)
    for sign, amounts in ((1, counted(event)), (-1, earlier)):
        for measure_, period, amount in amounts:
            net[(measure_, period)] = net.get((measure_, period), 0) + sign * amount
    return [(measure_, period, amount) for (measure_, period), amount in net.items() if amount]


def report_key(event: RecordedEvent) -> str | None:
    """What a fact counted `latest_of` reports within its stream; None for a kind where every fact counts."""
    key = _LATEST_OF.get(event.type)
    return None if key is None else key(event.payload)


def replaces(event: RecordedEvent, earlier: Iterable[RecordedEvent]) -> RecordedEvent | None:
    """The fact `event` replaces among the `earlier` facts of its stream (in stream order): the latest one
    reporting the same thing, if its type is counted `latest_of`. (The projection keeps the latest report
    per key in `latest_reports` instead of reading the stream: this is the rule it implements.)"""
    key = _LATEST_OF.get(event.type)
    if key is None:
        return None
    same = [e for e in earlier if e.type == event.type and e.stream_version < event.stream_version
            and key(e.payload) == key(event.payload)]
    return same[-1] if same else None


def reports_latest(event_type: str) -> bool:
    return event_type in _LATEST_OF


def counted_types() -> set[str]:
    return set(_COUNTERS)


# The kinds of fact that exist today (one module each).
from services.national.facts import (  # noqa: E402,F401
    competence, courses, function_descriptions, national_events, network, peer_education, peers,
    volunteer_agreements, who5)
