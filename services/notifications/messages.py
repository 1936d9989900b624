"""Danish message texts, rendered from Jinja2 templates in ./templates (first line: subject), the
iCalendar files of sessions, and the deterministic ids that make each message exactly once."""
from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from icalendar import Calendar, Event
from jinja2 import Environment, FileSystemLoader, StrictUndefined

_environment = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                           undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)

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
    calendar = Calendar()
    calendar.add("prodid", "-//peer-platform//notifications//DA")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if session["status"] == "cancelled" else "PUBLISH")
    event = Event()
    event.add("uid", f"{session['id']}@{instance_id}")
    event.add("summary", session["title"])
    event.add("location", session["place"])
    event.add("dtstart", _aware(session["starts_at"]))
    event.add("dtend", _aware(session["ends_at"]))
    event.add("sequence", int(session["sequence"]))
    event.add("status", "CANCELLED" if session["status"] == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _aware(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
