"""iCalendar feeds (RFC 5545) of group sessions: one per peer, one per course (runtime/ical.py says
what makes them work in calendar programs). No personal data: titles, places and programmes of
sessions only, never participants or citizens.
"""
from __future__ import annotations

from runtime import ical
from services.courses import texts

PRODID = "-//Peer-platform//courses//DA"


def feed(name: str, sessions: list[dict], instance_id: str) -> bytes:
    """`sessions`: rows of group_sessions joined with their course's `course_title` and `kind`."""
    kinds = texts.labels("course_kinds.txt.j2")
    return ical.feed(name, PRODID, [ical.Entry(
        uid=f"{s['id']}@courses.{instance_id}", changed_at=s["changed_at"], created_at=s["created_at"],
        starts_at=s["starts_at"], ends_at=s["ends_at"], sequence=s["sequence"],
        summary=texts.render("session_summary.txt.j2", course_title=s["course_title"], session_title=s["title"],
                             status=s["status"]),
        description=texts.render("session_description.txt.j2", kind_label=kinds.get(s["kind"], s["kind"]),
                                 session_title=s["title"], programme=s["programme"], exercises=s["exercises"]),
        location=s["place"], cancelled=s["status"] == "cancelled") for s in sessions])
