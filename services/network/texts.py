"""Danish texts people read (calendar entries, kinds and themes), rendered from Jinja2 templates in
./templates so wording changes never touch code."""
from __future__ import annotations

from pathlib import Path

from runtime.texts import Texts

_texts = Texts(Path(__file__).parent / "templates")
render = _texts.render
labels = _texts.labels
