"""A real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) for page tests, always in a
process of its own.

The test process is eventlet-monkey-patched (tests/conftest.py), and Playwright's sync API inside it hung
pytest at teardown. So a test runs a scenario module (`python -m tests.support.browser_<page>`) with
`run_scenario`: the scenario reads its settings as JSON on stdin, drives the browser, saves screenshots in
the folder it is given and prints one JSON object with what it saw; the test asserts on that.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # deploy/bootstrap.sh installs Debian's
ROOT = Path(__file__).resolve().parents[2]


def available() -> bool:
    return Path(CHROMIUM).exists()


def run_scenario(module: str, settings: dict, timeout: float = 120) -> dict:
    """Runs `python -m <module>` with `settings` on stdin; its JSON answer, or an AssertionError with its output."""
    assert available(), f"no {CHROMIUM}: deploy/bootstrap.sh installs Debian's chromium"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    run = subprocess.run([sys.executable, "-m", module], input=json.dumps(settings), capture_output=True,
                         text=True, timeout=timeout, cwd=ROOT, env=env)
    if run.returncode != 0:
        raise AssertionError(f"{module} exited {run.returncode}:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


# -- in the scenario's own process ---------------------------------------------------------------------------
# Records what a strict CSP refused, before any script of the page runs (an init script is not subject to it).
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@contextmanager
def chromium():
    """A headless Chromium; only in a scenario process, never in a (monkey-patched) test process."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


def watched_page(browser, log: dict):
    """A page in a fresh context (its own sessionStorage) whose console errors, page errors, CSP violations
    and requests land in `log`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="da-DK")
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a 2-core machine shared with other tests
    log.setdefault("console_errors", [])
    log.setdefault("page_errors", [])
    log.setdefault("requests", [])
    page.on("console", lambda m: m.type in ("error", "warning") and log["console_errors"].append(m.text))
    page.on("pageerror", lambda e: log["page_errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    return page


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")
