"""The national overview web page for national coordinators: an HTML shell, its script and styles, and
Plotly.js (from the pinned `plotly` package) for the charts, all served by this service.

No data is in anything these routes answer: they are PUBLIC (a browser cannot send a Bearer header when it
navigates). The page asks for the national coordinator's token, keeps it in the tab's sessionStorage and
fetches `/national/picture` (and the CSV) with `Authorization: Bearer`, where api/overview.py's rules apply:
a token of another role or another instance gets the problem document, which the page shows in Danish.

Every answer carries a strict Content-Security-Policy: scripts and styles only from this origin, no inline
script or style, no eval, fetches only to this origin, no framing. Plotly.js adds its library-wide styles
with an inline <style> element, which that policy refuses: the same rules are served as a stylesheet
(`plotly.css`, read from the pinned plotly.min.js itself) and the page marks them present, so Plotly skips
its own (its `no-inline-styles` switch, plotly.js PR 7109).
"""
from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.http import generate_etag
from werkzeug.wrappers import Response

from runtime.http.auth import PUBLIC
from runtime.http.entrypoint import api
from runtime.texts import Texts
from services.national.disclosure import MIN_COUNT
from services.national.facts import MEASURES

HERE = Path(__file__).resolve().parents[1]
STATIC = HERE / "static"
BASE = "/national/overview"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin",
                    "X-Frame-Options": "DENY"}
JS, CSS, HTML = "text/javascript", "text/css", "text/html"

_texts = Texts(HERE / "templates")
_pages = Environment(loader=FileSystemLoader(HERE / "templates"), undefined=StrictUndefined,
                     autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def measure_labels() -> dict[str, str]:
    """Each measure's Danish name (templates/measures.txt); a measure without one is named by its English
    description, and tests/national/test_overview_page.py refuses that."""
    labels = _texts.labels("measures.txt")
    return {m: labels.get(m, description) for m, description in MEASURES.items()}


def region_names() -> dict[str, str]:
    return _texts.labels("regions.txt")


@cache
def plotly_js() -> bytes:
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()


@cache
def plotly_js_etag() -> str:
    """plotly.min.js's ETag (werkzeug's, the SHA-1 of the body), once per process: the pinned file cannot
    change while the process runs, and hashing its 4.8 MB at each request cost every visit that time."""
    return generate_etag(plotly_js())


# plotly.js's library-wide rules: one object literal of selector -> declarations (X = the plot, Y = its
# notifier), each added with Lib.addStyleRule at position 0, so that a later rule sits before an earlier one.
_RULES = re.compile(r"""\{"X,X div":.*?\};for\(""", re.S)
_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_ENTRY = re.compile(rf"({_STRING})\s*:\s*({_STRING})\s*[,}}]", re.S)
# Bundled libraries' own stylesheets (maplibre's), each added once as a <style> with a fixed id, unless an
# element of that id is already there.
_BUNDLED = re.compile(rf"""getElementById\("([0-9a-f]{{16,}})"\)\)\{{var (\w+)=document\.createElement\("style"\);"""
                      rf"""\2\.id="\1",\2\.textContent=({_STRING})""")


def _js_string(literal: str) -> str:
    if literal[0] == "'":
        literal = '"' + literal[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'
    return json.loads(literal)


@cache
def bundled_styles() -> dict[str, str]:
    """Stylesheet id -> its rules, of the libraries inside plotly.min.js that inject their own <style>."""
    return {m.group(1): _js_string(m.group(3)) for m in _BUNDLED.finditer(plotly_js().decode("utf-8"))}


@cache
def plotly_css() -> str:
    """The stylesheet Plotly.js would otherwise inline, taken from the pinned plotly.min.js (so it matches the
    served script's version). Empty if a future plotly.js no longer has the rules where this looks for them:
    the charts still draw, and the page test fails on the missing rules."""
    found = _RULES.search(plotly_js().decode("utf-8"))
    if not found:
        return ""
    rules = []
    for selector, declarations in _ENTRY.findall(found.group(0)):
        selector = re.sub(r"^,", " ,", _js_string(selector))
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{_js_string(declarations)}}}")
    bundled = [f"/* {style_id} */\n{css}" for style_id, css in bundled_styles().items()]
    return "/* plotly.js's library-wide styles, from its own plotly.min.js (services/national/api/page.py) */\n" \
        + "\n".join([*reversed(rules), *bundled]) + "\n"


def asset(request, body: bytes | str, mimetype: str, cache_control: str = "no-cache",
          etag: str | None = None) -> Response:
    """A page resource with the security headers, revalidated by its ETag (plotly.min.js is 4.8 MB): the one
    given, else the body's hash."""
    response = Response(body, mimetype=mimetype, headers={**SECURITY_HEADERS, "Cache-Control": cache_control})
    if etag is None:
        response.add_etag()
    else:
        response.set_etag(etag)
    return response.make_conditional(request)


def static_file(name: str) -> bytes:
    return (STATIC / name).read_bytes()


class OverviewPageApi:
    @api("GET", BASE, allow=PUBLIC, produces=HTML,
         summary="The national overview web page (Danish; HTML shell without data: it asks for a national "
                 "coordinator's token and reads /national/picture with it)")
    def overview_page(self, request):
        html = _pages.get_template("overview.html").render(
            base=BASE, min_count=MIN_COUNT, measures=measure_labels(), regions=region_names(),
            bundled_styles=list(bundled_styles()))
        return asset(request, html, HTML, cache_control="no-store")

    @api("GET", f"{BASE}/overview.js", allow=PUBLIC, produces=JS, summary="The overview page's script")
    def overview_script(self, request):
        return asset(request, static_file("overview.js"), JS)

    @api("GET", f"{BASE}/overview.css", allow=PUBLIC, produces=CSS, summary="The overview page's styles")
    def overview_styles(self, request):
        return asset(request, static_file("overview.css"), CSS)

    @api("GET", f"{BASE}/plotly.min.js", allow=PUBLIC, produces=JS,
         summary="Plotly.js, the charting library, from the pinned plotly package (no CDN)")
    def plotly_script(self, request):
        return asset(request, plotly_js(), JS, etag=plotly_js_etag())

    @api("GET", f"{BASE}/plotly.css", allow=PUBLIC, produces=CSS,
         summary="Plotly.js's own styles as a stylesheet (the page's CSP allows no inline style)")
    def plotly_styles(self, request):
        return asset(request, plotly_css(), CSS)
