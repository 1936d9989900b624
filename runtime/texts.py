"""Danish texts people read (calendar entries, report headings), rendered from a service's Jinja2
templates, so wording changes never touch code. Each service keeps its own `templates/` folder."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined


class Texts:
    def __init__(self, folder: Path):
        self._environment = Environment(loader=FileSystemLoader(folder), undefined=StrictUndefined,
                                        autoescape=False, trim_blocks=True, lstrip_blocks=True)

    def render(self, template_name: str, **values) -> str:
        return self._environment.get_template(template_name).render(**values).strip()

    def lines(self, template_name: str, **values) -> list[str]:
        return [line.strip() for line in self.render(template_name, **values).splitlines() if line.strip()]

    def labels(self, template_name: str) -> dict:
        """`key=label` lines of a template as a dict (enumerations' Danish labels)."""
        return dict(line.split("=", 1) for line in self.lines(template_name))
