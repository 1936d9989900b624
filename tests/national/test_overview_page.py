"""The national overview web page (services/national/api/page.py) against a real national service with facts
in it, in a real headless Chromium (tests/support/browser_overview.py, in a process of its own): the charts
draw, the region and period filters change what is shown, a suppressed cell shows as suppressed, the CSV link
downloads CSV, and without a national coordinator's token of the national instance no data is shown. The
screenshots are in the test's tmp_path; their paths are printed."""
import uuid
from datetime import datetime, timezone

import pytest

from runtime import db, eventstore
from runtime.http.openapi import document
from services.national import projections
from services.national.api import page
from services.national.facts import MEASURES
from services.national.service import NationalService
from tests.support import browser
from tests.support.instance import Instance

MEASURE = "network_meeting_attendance_paid"
# Paid peers at network meetings, by region and month: region-1084's March (3) is under 5.
ATTENDANCE = {"region-1084": {"2026-01": 12, "2026-02": 9, "2026-03": 3, "2026-04": 8},
              "region-1085": {"2026-01": 7, "2026-02": 6, "2026-03": 10, "2026-04": 11}}
SUPPRESSED = "skjult (< 5)"


def held(occurrence: str, paid: int, held_on: str):
    return eventstore.NewEvent("meeting_report.held", {
        "meeting_kind": "sparring_meeting", "theme": None, "occurrence": occurrence, "held_on": held_on,
        "duration_minutes": 120, "attended_paid": paid, "attended_volunteer": 0})


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    instance = Instance("national", ("national",), tmp_path_factory.mktemp("overview-page")).create()
    try:
        with db.connect(instance.database_url("national")) as conn:
            for region, months in ATTENDANCE.items():
                metadata = eventstore.Metadata("network", region, "instance", uuid.uuid4())
                for month, paid in months.items():
                    for stored in eventstore.append(
                            conn, f"meeting_report-{region}:p2:m1", [held(f"{month.replace('-', '')}10T080000Z", paid,
                                                                          f"{month}-10")],
                            None, metadata, datetime(2026, 5, 1, tzinfo=timezone.utc)):
                        projections.project(conn, stored)
            conn.commit()
        instance.start_service("national")
        yield instance
    finally:
        instance.destroy()


def test_the_page_and_its_assets_are_in_the_openapi_document_public_and_without_data():
    paths = document(NationalService)["paths"]
    expected = {"/national/overview": "text/html", "/national/overview/overview.js": "text/javascript",
                "/national/overview/overview.css": "text/css", "/national/overview/plotly.min.js": "text/javascript",
                "/national/overview/plotly.css": "text/css"}
    for path, media_type in expected.items():
        operation = paths[path]["get"]
        assert list(operation["responses"]["200"]["content"]) == [media_type], path
        assert operation["x-allowed-roles"] == ["public"], path


def test_every_measure_has_a_danish_name():
    labels = page.measure_labels()
    assert set(labels) == set(MEASURES)
    assert not [m for m, label in labels.items() if label == MEASURES[m]], "templates/measures.txt lacks these"


def test_plotly_styles_come_from_the_served_plotly_js():
    """The CSP allows no inline style: Plotly's own rules must be in plotly.css, or the chart's layers stack."""
    css = page.plotly_css()
    assert ".js-plotly-plot .plotly .main-svg{" in css and ".plotly-notifier" in css
    assert "X ." not in css


def test_plotly_js_is_hashed_once_per_process_and_still_answers_304(monkeypatch):
    """The ETag of the 4.8 MB plotly.min.js (SHA-1 of the whole body) was computed at every request; the pinned
    file cannot change while the process runs, so it is computed once. The ETag is werkzeug's, as before (a
    browser's cached copy stays valid), and a request that names it gets 304 without the body."""
    import werkzeug.wrappers.response
    from werkzeug.http import generate_etag
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    hashed = []

    def counting(data):
        hashed.append(len(data))
        return generate_etag(data)

    for module in (werkzeug.wrappers.response, page):  # werkzeug's add_etag, and page.py's own
        monkeypatch.setattr(module, "generate_etag", counting)
    page.plotly_js_etag.cache_clear()

    def get(**headers):
        environ = EnvironBuilder(path="/national/overview/plotly.min.js", headers=headers).get_environ()
        return page.OverviewPageApi().plotly_script(Request(environ))

    first = [get() for _ in range(3)][0]
    assert first.status_code == 200 and first.get_data() == page.plotly_js()
    again = get(**{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
    assert first.headers["ETag"] == f'"{generate_etag(page.plotly_js())}"'
    assert hashed.count(len(page.plotly_js())) == 1  # four requests (this test's own hash is not counted)


def test_every_answer_of_the_page_has_the_strict_csp(national):
    for path in ("/national/overview", "/national/overview/overview.js", "/national/overview/overview.css",
                 "/national/overview/plotly.min.js", "/national/overview/plotly.css"):
        answer = national.call("GET", "national", path, token=False)
        assert answer.status_code == 200, path
        csp = answer.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    html = national.call("GET", "national", "/national/overview", token=False).text
    assert "<script>" not in html and " style=" not in html and "Nationalt overblik" in html
    plotly = national.call("GET", "national", "/national/overview/plotly.min.js", token=False)
    again = national.call("GET", "national", "/national/overview/plotly.min.js", token=False,
                          headers={"If-None-Match": plotly.headers["ETag"]})
    assert again.status_code == 304  # 4.8 MB once per version, not per visit


def picture_of(national) -> dict:
    answer = national.call("GET", "national", f"/national/picture?measure={MEASURE}", roles=("national_coordinator",))
    assert answer.status_code == 200
    return answer.json()["measures"][0]


def test_the_overview_page_in_a_real_browser(national, tmp_path):
    api = picture_of(national)
    seen = browser.run_scenario("tests.support.browser_overview", {
        "url": national.url("national", "/national/overview"), "out": str(tmp_path),
        "measure": MEASURE, "drop_region": "region-1085", "from": "2026-02", "to": "2026-03",
        "tokens": {"national_coordinator": national.token("national_coordinator"),
                   "coordinator": national.token("coordinator"),
                   "foreign_instance": national.token("national_coordinator", instance="region-1084"),
                   "forged": national.token("national_coordinator")[:-4] + "AAAA"}}, timeout=180)
    print("\nscreenshots:\n" + "\n".join(seen["screenshots"]))
    steps = seen["steps"]

    # Without a token: the login form, no request for data, nothing drawn.
    without = steps["without-token"]
    assert without["state"] == "login" and without["login_visible"] and not without["overview_visible"]
    assert seen["refused"]["without_token"]["data_requests"] == []
    assert without["rows"] == [] and not without["charts"]["regions"]["drawn"]
    # Refused tokens: the problem document's status, told in Danish, and no data.
    for name, status in (("coordinator", "403"), ("foreign_instance", "403"), ("forged", "401")):
        refused = seen["refused"][name]
        assert refused["state"] == "problem" and refused["problem_status"] == status, name
        assert refused["rows"] == [] and not refused["charts"]["regions"]["drawn"], name
        assert not refused["overview_visible"] and refused["login_visible"], name
        assert ("Adgang nægtet" if status == "403" else "Adgangsnøglen mangler") in refused["problem"], name

    # The measure: both charts drawn, a bar trace per region, the table equal to the API's answer.
    shown = steps["measure"]
    assert shown["state"] == "ready" and shown["title"] == page.measure_labels()[MEASURE]
    assert shown["charts"]["regions"]["drawn"] and shown["charts"]["total"]["drawn"]
    bars = [t for t in shown["charts"]["regions"]["traces"] if t["type"] == "bar"]
    assert [t["name"] for t in bars] == ["Region Hovedstaden", "Region Sjælland"]
    assert shown["charts"]["regions"]["bars"] >= 4
    assert shown["header"][1:-1] == ["jan 2026", "feb 2026", "mar 2026", "apr 2026"]
    assert sorted(shown["regions_offered"]) == ["region-1084", "region-1085"]
    table = {(row["region"], c["period"]): c for row in shown["rows"] for c in row["cells"] if c["period"]}
    for cell in api["cells"]:
        text = table[(cell["region"], cell["period"])]["text"]
        assert text == (SUPPRESSED if cell["suppressed"] else str(cell["value"])), cell
    # Suppressed as such: region-1084's March (3) says so, in the table and in the chart, never 0 or 3.
    march = table[("region-1084", "2026-03")]
    assert march["text"] == SUPPRESSED and march["suppressed"] == "true"
    hidden = [t for t in shown["charts"]["regions"]["traces"] if t["name"] == SUPPRESSED]
    assert hidden and "mar 2026" in hidden[0]["x"]
    assert 3 not in bars[0]["y"] and bars[0]["y"][2] is None

    # The region filter: only region-1084 is left.
    filtered = steps["region-filter"]
    assert [row["region"] for row in filtered["rows"]] == ["region-1084", "total"]
    assert [t["name"] for t in filtered["charts"]["regions"]["traces"] if t["type"] == "bar"] == ["Region Hovedstaden"]
    # The period filter: February and March only.
    period = steps["period-filter"]
    assert period["header"][1:-1] == ["feb 2026", "mar 2026"]
    assert period["charts"]["regions"]["traces"][0]["x"] == ["feb 2026", "mar 2026"]
    assert "from=2026-02" in period["csv_href"] and "to=2026-03" in period["csv_href"]

    # The CSV link downloads the CSV of the chosen months (every measure), with the token.
    csv = seen["csv"]
    assert csv["suggested_filename"] == "national-picture.csv"
    lines = csv["text"].splitlines()
    assert lines[0] == "measure,region,period,value,suppressed"
    rows = [line.split(",") for line in lines[1:]]
    assert {r[0] for r in rows} == set(MEASURES)
    assert [MEASURE, "region-1084", "2026-03", "", "true"] in rows
    assert not [r for r in rows if r[2] not in ("2026-02", "2026-03", "total")]

    # A filter the API refuses: its 422, in Danish, naming the field.
    bad = steps["bad-filter"]
    assert bad["state"] == "problem" and bad["problem_status"] == "422" and "Fra måned" in bad["problem"]
    assert bad["rows"] == []

    # Nothing the strict CSP refused, and no script error.
    assert seen["csp_violations"] == []
    assert seen["page_errors"] == []
    assert [e for e in seen["console_errors"] if "Failed to load resource" not in e] == []
