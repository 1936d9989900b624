"""The national overview page in a real headless Chromium: `python -m tests.support.browser_overview`, with
JSON settings on stdin: `url` (the page), `out` (a folder for screenshots and the download), `tokens`
(`national_coordinator`, and the refused ones by name), `measure`, `drop_region`, `from`, `to`.

Prints one JSON object: per step what the page showed (state, problem text, table, chart traces, ...), the
screenshot paths, the CSV it downloaded, and every CSP violation, console error and request it saw.
Run by tests/national/test_overview_page.py through tests/support/browser.run_scenario.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.support.browser import chromium, csp_violations, watched_page

# What the page shows, read from its DOM and from Plotly's own figure (the drawn traces).
READ_PAGE = """() => {
  const text = (el) => el ? el.textContent.trim() : null;
  const table = document.querySelector('#picture-table');
  const rows = Array.from(table.tBodies[0].rows).map((row) => ({
    region: row.dataset.region,
    cells: Array.from(row.cells).slice(1).map((c) => ({period: c.dataset.period || null, text: text(c),
                                                      suppressed: c.dataset.suppressed || null}))}));
  const chart = (id) => {
    const el = document.getElementById(id);
    return {drawn: el.querySelectorAll('.main-svg').length > 0,
            bars: el.querySelectorAll('.barlayer .point').length,
            traces: (el.data || []).map((t) => ({name: t.name, type: t.type, x: t.x, y: t.y}))};
  };
  const problem = document.getElementById('problem');
  return {state: document.body.dataset.state,
          overview_visible: !document.getElementById('overview').hidden,
          login_visible: !document.getElementById('login').hidden,
          problem: problem.hidden ? null : text(problem), problem_status: problem.hidden ? null : problem.dataset.status,
          title: text(document.getElementById('measure-title')),
          header: Array.from(table.tHead.querySelectorAll('th')).map(text),
          rows: rows,
          regions_offered: Array.from(document.querySelectorAll('#regions input')).map((i) => i.value),
          csv_href: document.getElementById('csv-link').getAttribute('href'),
          charts: {regions: chart('chart-regions'), total: chart('chart-total')}};
}"""


def settle(page, states=("ready", "problem", "login")) -> None:
    """Until the page is in one of `states` (a selector: a predicate would need eval, which the CSP refuses)."""
    page.wait_for_selector(", ".join(f"body[data-state={s}]" for s in states), state="attached")


def step(page, out: Path, name: str, result: dict) -> dict:
    shot = out / f"overview-{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    seen = page.evaluate(READ_PAGE)
    seen["screenshot"] = str(shot)
    result["screenshots"].append(str(shot))
    result["steps"][name] = seen
    return seen


def log_in(page, url: str, token: str) -> None:
    page.goto(url)
    settle(page)
    page.fill("#token", token)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body:not([data-state=login])", state="attached")
    settle(page)


def main() -> None:
    settings = json.loads(sys.stdin.read())
    url, out, tokens = settings["url"], Path(settings["out"]), settings["tokens"]
    out.mkdir(parents=True, exist_ok=True)
    result: dict = {"steps": {}, "screenshots": [], "refused": {}, "csp_violations": []}
    with chromium() as browser:
        # No token: the login form, and no request for data at all.
        log: dict = {}
        page = watched_page(browser, log)
        page.goto(url)
        settle(page)
        step(page, out, "without-token", result)
        result["refused"]["without_token"] = {"data_requests": [r for r in log["requests"] if "/national/picture" in r]}
        result["csp_violations"] += csp_violations(page)
        page.context.close()

        # Tokens the API refuses (a coordinator's, a foreign instance's, a forged one): the problem, in Danish.
        for name, token in tokens.items():
            if name == "national_coordinator":
                continue
            log = {}
            page = watched_page(browser, log)
            log_in(page, url, token)
            result["refused"][name] = step(page, out, f"refused-{name}", result)
            result["csp_violations"] += csp_violations(page)
            page.context.close()

        # The national coordinator: charts, filters, suppression, CSV.
        log = {}
        page = watched_page(browser, log)
        log_in(page, url, tokens["national_coordinator"])
        step(page, out, "first-measure", result)
        page.select_option("#measure", settings["measure"])
        settle(page)
        step(page, out, "measure", result)

        page.uncheck(f"#regions input[value='{settings['drop_region']}']")
        settle(page)
        step(page, out, "region-filter", result)
        page.check(f"#regions input[value='{settings['drop_region']}']")
        settle(page)

        page.fill("#from", settings["from"])
        page.fill("#to", settings["to"])
        page.click("#filters button[type=submit]")
        settle(page)
        step(page, out, "period-filter", result)

        with page.expect_download() as download_info:
            page.click("#csv-link")
        download = download_info.value
        csv_path = out / "national-picture.csv"
        download.save_as(str(csv_path))
        result["csv"] = {"suggested_filename": download.suggested_filename, "path": str(csv_path),
                         "text": csv_path.read_text(encoding="utf-8")}

        # A filter the API refuses (from after to): the 422 in Danish, naming the field.
        page.fill("#from", settings["to"])
        page.fill("#to", settings["from"])
        page.click("#filters button[type=submit]")
        settle(page)
        step(page, out, "bad-filter", result)

        result["csp_violations"] += csp_violations(page)
        result["console_errors"] = log["console_errors"]
        result["page_errors"] = log["page_errors"]
        result["data_requests"] = [r for r in log["requests"] if "/national/picture" in r]
        page.context.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
