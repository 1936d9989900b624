"""Danish message texts, rendered from Jinja2 templates in ./templates (first line: subject)."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

_environment = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                           undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def render(template_name: str, **values) -> tuple[str, str]:
    text = _environment.get_template(f"{template_name}.txt.j2").render(**values).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()
