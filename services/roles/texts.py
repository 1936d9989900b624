"""Danish texts people read: the statement (udtalelse) a volunteer is given on leaving, rendered from
the Jinja2 templates in ./templates (runtime/texts.py), so wording changes never touch code."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from runtime.texts import Texts
from services.roles.domain.volunteer_agreement import VolunteerAgreement

_texts = Texts(Path(__file__).parent / "templates")
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")


def danish_date(day) -> str:
    day = day if isinstance(day, date) else date.fromisoformat(str(day))
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def render_statement(agreement: VolunteerAgreement, eligibility: dict, issued_on: date) -> str:
    """`agreement` as opened by the vault (the volunteer's name in plain text)."""
    ended_on = agreement.ended["ended_on"] if agreement.ended else None
    return _texts.render(
        "statement.txt.j2", name=agreement.details["name"], project=agreement.details["project"],
        active_from=danish_date(agreement.active_from), ended_on=danish_date(ended_on) if ended_on else None,
        months=eligibility["active_days"] // 30, activities=eligibility["activities"],
        issued_on=danish_date(issued_on)) + "\n"
