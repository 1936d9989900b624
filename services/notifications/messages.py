"""Danish message texts, rendered from Jinja2 templates in ./templates (first line: subject), the
iCalendar files of sessions, and the deterministic ids that make each message exactly once."""
from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from icalendar import Calendar, Event
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from runtime.texts import Texts

_environment = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                           undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_labels = Texts(Path(__file__).parent / "templates")  # `key=label` files: Danish names of enumerations

# uuid5 namespace of this service's messages: the id of (cause, recipient, channel) never changes.
MESSAGES = uuid.UUID("5b0d7a3e-6a1c-4f57-9a53-0d5f2c1e9b41")


def render(template_name: str, **values) -> tuple[str, str]:
    text = _environment.get_template(f"{template_name}.txt.j2").render(**values).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def message_id(cause: str, person_id: str, channel: str) -> uuid.UUID:
    return uuid.uuid5(MESSAGES, f"{cause}/{person_id}/{channel}")


def smtp_message_id(delivery_id, domain: str) -> str:
    """The e-mail's Message-ID: the same for every attempt, so a resend after a crash is recognisable."""
    return f"<{delivery_id}@{domain}>"


def session_calendar(session: dict, instance_id: str) -> str:
    """An iCalendar file for a session; `sequence` grows with every change, so calendars update it."""
    cancelled = session["status"] == "cancelled"
    return _calendar([_entry(f"{session['id']}@{instance_id}", session["title"], session, cancelled)], cancelled)


def meeting_calendar(meeting: dict, occurrences: list[dict], instance_id: str) -> str:
    """An iCalendar file of a meeting's occurrences, each its own entry with the UID and SEQUENCE of the
    network service's calendar feeds (`<meeting>-<occurrence>@network.<instance>`), so a subscriber's
    calendar updates the entry it has instead of adding a second one. Summary: the kind, not the title."""
    entries = [_entry(f"{meeting['id']}-{o['occurrence']}@network.{instance_id}", meeting["kind_label"], o,
                      o["status"] == "cancelled") for o in occurrences]
    return _calendar(entries, all(o["status"] == "cancelled" for o in occurrences))


def meeting_kind_label(kind: str) -> str:
    return _labels.labels("meeting_kinds.txt.j2")[kind]


def _entry(uid: str, summary: str, moment: dict, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("location", moment["place"])
    event.add("dtstart", _aware(moment["starts_at"]))
    event.add("dtend", _aware(moment["ends_at"]))
    event.add("sequence", int(moment["sequence"]))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(entries: list[Event], cancelled: bool) -> str:
    calendar = Calendar()
    calendar.add("prodid", "-//peer-platform//notifications//DA")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    for entry in entries:
        calendar.add_component(entry)
    return calendar.to_ical().decode()


def _aware(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
