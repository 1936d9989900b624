"""The national picture, one module per kind of fact: which event it counts, and into which measures.

A fact kind module registers, with `@counts(event_type)`, a function that turns one received fact
into `(measure, period, amount)` increments of the picture (`picture_cells`: measure × source
instance × month). Adding a kind of fact (network meetings, national-event sign-ups, peers by kind
when their contracts exist) is one module here, imported below; nothing else changes: the consumer
binds every national contract's category, and the API and CSV list every measure of `MEASURES`.
"""
from __future__ import annotations

from datetime import date
from typing import Callable, Iterable

from runtime.eventstore import RecordedEvent

Increment = tuple[str, date, int]
_COUNTERS: dict[str, Callable[[RecordedEvent], Iterable[Increment]]] = {}
MEASURES: dict[str, str] = {}  # measure -> what it counts (English; the API's description)


def measure(name: str, description: str) -> str:
    MEASURES[name] = description
    return name


def counts(event_type: str):
    def register(fn):
        if event_type in _COUNTERS:
            raise ValueError(f"{event_type} is counted twice")
        _COUNTERS[event_type] = fn
        return fn
    return register


def month_of(day: date) -> date:
    return day.replace(day=1)


def increments(event: RecordedEvent) -> list[Increment]:
    counter = _COUNTERS.get(event.type)
    return list(counter(event)) if counter else []


def counted_types() -> set[str]:
    return set(_COUNTERS)


# The kinds of fact that exist today (one module each).
from services.national.facts import (  # noqa: E402,F401
    competence, function_descriptions, national_events, peer_education, who5)
