"""iCalendar feeds (RFC 5545) that work in common calendar programs (Outlook, Google, Apple):

- VERSION, PRODID, CALSCALE and METHOD:PUBLISH on the calendar; a UID per entry that never changes
  (so a moved entry moves, and is not duplicated), DTSTAMP, DTSTART and DTEND in UTC.
- SEQUENCE grows with every change of time or place, and a cancelled entry stays in the feed with
  STATUS:CANCELLED (deleting it would leave it in subscribers' calendars).
- DTSTAMP/LAST-MODIFIED come from the events, so a feed is the same bytes until something changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from icalendar import Calendar, Event


@dataclass(frozen=True)
class Entry:
    uid: str
    changed_at: datetime
    created_at: datetime
    starts_at: datetime
    ends_at: datetime
    sequence: int
    summary: str
    description: str
    location: str
    cancelled: bool


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def feed(name: str, prodid: str, entries: list[Entry]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Copenhagen")
    for e in entries:
        entry = Event()
        entry.add("uid", e.uid)
        entry.add("dtstamp", _utc(e.changed_at))
        entry.add("last-modified", _utc(e.changed_at))
        entry.add("created", _utc(e.created_at))
        entry.add("dtstart", _utc(e.starts_at))
        entry.add("dtend", _utc(e.ends_at))
        entry.add("sequence", e.sequence)
        entry.add("summary", e.summary)
        entry.add("description", e.description)
        entry.add("location", e.location)
        entry.add("status", "CANCELLED" if e.cancelled else "CONFIRMED")
        entry.add("transp", "OPAQUE")
        calendar.add_component(entry)
    return calendar.to_ical()


def response(body: bytes):
    """A feed as an HTTP answer (text/calendar, shown inline by calendar programs)."""
    from werkzeug.wrappers import Response

    return Response(body, status=200, content_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="kalender.ics"'})
