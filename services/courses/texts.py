"""Danish texts people read (calendar entries, report headings), rendered from Jinja2 templates in
./templates so wording changes never touch code."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

_environment = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                           undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)


def render(template_name: str, **values) -> str:
    return _environment.get_template(template_name).render(**values).strip()


def lines(template_name: str, **values) -> list[str]:
    return [line.strip() for line in render(template_name, **values).splitlines() if line.strip()]
