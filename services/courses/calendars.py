"""iCalendar feeds (RFC 5545) of group sessions: one per peer, one per course.

What makes them work in common calendar programs (Outlook, Google, Apple):
- VERSION, PRODID, CALSCALE and METHOD:PUBLISH on the calendar; a UID per session that never
  changes (so a moved session moves, and is not duplicated), DTSTAMP, DTSTART and DTEND in UTC.
- SEQUENCE grows with every change of time or place, and a cancelled session stays in the feed
  with STATUS:CANCELLED (deleting it would leave it in subscribers' calendars).
- DTSTAMP/LAST-MODIFIED come from the events, so a feed is the same bytes until something changes.
No personal data: titles, places and programmes of sessions only, never participants or citizens.
"""
from __future__ import annotations

from datetime import timezone

from icalendar import Calendar, Event

from services.courses import texts

PRODID = "-//Peer-platform//courses//DA"


def feed(name: str, sessions: list[dict], instance_id: str) -> bytes:
    """`sessions`: rows of group_sessions joined with their course's `course_title` and `kind`."""
    kinds = texts.labels("course_kinds.txt.j2")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Copenhagen")
    for s in sessions:
        entry = Event()
        entry.add("uid", f"{s['id']}@courses.{instance_id}")
        entry.add("dtstamp", s["changed_at"].astimezone(timezone.utc))
        entry.add("last-modified", s["changed_at"].astimezone(timezone.utc))
        entry.add("created", s["created_at"].astimezone(timezone.utc))
        entry.add("dtstart", s["starts_at"].astimezone(timezone.utc))
        entry.add("dtend", s["ends_at"].astimezone(timezone.utc))
        entry.add("sequence", s["sequence"])
        entry.add("summary", texts.render("session_summary.txt.j2", course_title=s["course_title"],
                                          session_title=s["title"], status=s["status"]))
        entry.add("description", texts.render(
            "session_description.txt.j2", kind_label=kinds.get(s["kind"], s["kind"]), session_title=s["title"],
            programme=s["programme"], exercises=s["exercises"]))
        entry.add("location", s["place"])
        entry.add("status", "CANCELLED" if s["status"] == "cancelled" else "CONFIRMED")
        entry.add("transp", "OPAQUE")
        calendar.add_component(entry)
    return calendar.to_ical()
