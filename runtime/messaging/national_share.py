"""Which national facts this instance shares, and how a shared fact is numbered in its stream.

    NATIONAL_SHARE=peer_education.completion_reported,outcome.who5_distribution_reported

Sharing is each instance's own decision: `NATIONAL_SHARE` lists the event types (of `national=True`
contracts) its relays publish to `national.events`; unset or `all`, every national contract is shared;
`none` shares nothing. An unknown or non-national type is refused at start-up, so a typo cannot
silently stop (or widen) what leaves the instance.

A source stream holds events that stay in the instance next to those that leave (`peer_education-<id>`
has `completed` and `completion_reported`), so the source versions of the shared ones have gaps. The
national level restores per-stream order on a version of its own: the fact's ordinal among the shared
facts of its stream (0, 1, 2, …), computed from the event store, so a re-send numbers them the same.
Changing `NATIONAL_SHARE` renumbers only streams that hold several shared kinds (none do today).
"""
from __future__ import annotations

import os

import contracts

ENV = "NATIONAL_SHARE"


def national_types() -> tuple[str, ...]:
    return tuple(sorted({c.type for c in contracts.all_contracts() if c.national}))


def shared_types(configured: str | None = None) -> frozenset[str]:
    """The national event types this instance shares (`NATIONAL_SHARE`); raises ValueError on a bad list."""
    configured = os.environ.get(ENV, "all") if configured is None else configured
    value = configured.strip()
    available = national_types()
    if value in ("", "all"):
        return frozenset(available)
    if value == "none":
        return frozenset()
    wanted = {t.strip() for t in value.split(",") if t.strip()}
    unknown = sorted(wanted - set(available))
    if unknown:
        raise ValueError(f"{ENV}: {', '.join(unknown)} is not a national fact; "
                         f"one of {', '.join(available)}, 'all' or 'none'")
    return frozenset(wanted)


def national_versions(conn, events, shared: frozenset[str]) -> dict:
    """event id -> the event's ordinal among the shared facts of its stream, for `events`."""
    streams = sorted({e.stream for e in events})
    rows = conn.execute(
        "SELECT event_id, stream_name, row_number() OVER (PARTITION BY stream_name ORDER BY stream_version) - 1 "
        "AS ordinal FROM events WHERE stream_name = ANY(%s) AND event_type = ANY(%s)",
        (streams, sorted(shared))).fetchall()
    wanted = {e.event_id for e in events}
    return {r["event_id"]: r["ordinal"] for r in rows if r["event_id"] in wanted}
