"""iCalendar feeds (RFC 5545) of meeting occurrences: one per peer, one per network (runtime/ical.py
says what makes them work in calendar programs). Every occurrence is its own entry with a stable UID,
so an exception (moved, cancelled) changes only that entry. No personal data: kinds, titles, places,
themes and agendas only, never who signed up or attended."""
from __future__ import annotations

from runtime import ical
from services.network import texts

PRODID = "-//Peer-platform//network//DA"


def feed(name: str, occurrences: list[dict], instance_id: str) -> bytes:
    """`occurrences`: rows of meeting_occurrences joined with their meeting's `kind` and `title`."""
    kinds, themes = texts.labels("meeting_kinds.txt.j2"), texts.labels("themes.txt.j2")
    return ical.feed(name, PRODID, [ical.Entry(
        uid=f"{o['meeting_id']}-{o['occurrence']}@network.{instance_id}", changed_at=o["changed_at"],
        created_at=o["created_at"], starts_at=o["starts_at"], ends_at=o["ends_at"], sequence=o["sequence"],
        summary=texts.render("meeting_summary.txt.j2", kind_label=kinds[o["kind"]], title=o["title"],
                             status=o["status"]),
        description=texts.render("meeting_description.txt.j2", kind_label=kinds[o["kind"]], title=o["title"],
                                 theme_label=themes.get(o["theme"] or "", ""), agenda=o["agenda"]),
        location=o["place"], cancelled=o["status"] == "cancelled") for o in occurrences])
