"""The web console (issue 11) as an investigator drives it, in a real headless Chromium.

The real app (``create_app``: the API, the console at ``/``) runs under uvicorn on a free port
over a real Postgres holding the demo's incident day; an investigator token comes from
``auditlog tokens create``. Debian's ``chromium`` is driven by Playwright (never `playwright
install`: no browser is downloaded). Without Chromium these tests fail, never skip: CI
(.ci/run) installs it first.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect, sync_playwright

from auditlog.domain.settings import Settings
from auditlog.producers.scenario import build
from tests.acceptance.test_cli import auditlog
from tests.api_server import serving
from tests.factories import append_events

CHROMIUM = os.environ.get("AUDITLOG_CHROMIUM", "/usr/bin/chromium")
# without the background-networking flags Chromium hangs on a closed network
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ZONE = "America/New_York"
CASE = "INC-2017-1102"


@pytest.fixture(scope="module")
def incident_day(database_url: str, settings: Settings) -> None:
    from auditlog.consumers.detector import detect

    scenario = build()
    with psycopg.connect(database_url, autocommit=True) as conn:
        for start in range(0, len(scenario.events), 1000):
            append_events(conn, scenario.events[start:start + 1000])
    detect(settings, until_idle=True)  # the detector's alerts, which the account page shows


@pytest.fixture(scope="module")
def server(settings: Settings, incident_day: None) -> Iterator[str]:
    """The real app under uvicorn in a thread, on a free port; its base URL."""
    with serving(settings) as base:
        yield base


def _token(cli_env: dict[str, str], cwd: Path, role: str) -> str:
    done = auditlog(cli_env, cwd, "tokens", "create", "--role", role, "--json")
    assert done.returncode == 0, done.stderr
    made: dict[str, Any] = json.loads(done.stdout)
    return str(made["token"])


@pytest.fixture(scope="module")
def token(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    return _token(cli_env, tmp_path_factory.mktemp("console"), "investigator")


@pytest.fixture(scope="module")
def auditor_token(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    return _token(cli_env, tmp_path_factory.mktemp("console-auditor"), "auditor")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium), "
                    "as .ci/run does, or point AUDITLOG_CHROMIUM at one")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900}, timezone_id="UTC", locale="en-US")
        context.set_default_timeout(10_000)
        yield context
        context.close()


class Seen:
    """Every request the page made, and the page's script errors."""

    def __init__(self, page: Page) -> None:
        self.requests: list[Request] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def api(self) -> list[Request]:
        return [r for r in self.requests if "/api/v1/" in r.url]


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    page = browser.new_page()  # a tab of its own: its own sessionStorage
    yield page
    page.close()


def sign_in(page: Page, base: str, token: str, case: str = CASE) -> None:
    page.goto(f"{base}/")
    page.get_by_label("Token").fill(token)
    page.locator("#case").fill(case)
    page.get_by_label("Token").press("Enter")  # Enter submits


def test_an_investigator_follows_the_incident_from_search_to_the_contractors_day(
        page: Page, server: str, token: str) -> None:
    seen = Seen(page)
    sign_in(page, server, token)
    expect(page.locator("#whoami")).to_contain_text("investigator")
    page.get_by_label("Time zone").fill(ZONE)
    page.get_by_label("Time zone").press("Enter")

    # who deactivated the protected account?
    page.get_by_label("Target").fill("acct-hos-0001")
    page.get_by_label("Action").fill("account.deactivate")
    page.get_by_role("button", name="Search").click()
    row = page.locator("table tbody tr").filter(has_text="c-vb-07")
    expect(row).to_contain_text("2017-11-02T18:58:02-04:00")
    expect(page.locator("table tbody tr")).to_have_count(1)

    # the account at the moment of the event, and its timeline as bands
    row.get_by_role("link", name="acct-hos-0001").click()
    expect(page.get_by_label("Account", exact=True)).to_have_value("acct-hos-0001")
    page.get_by_label("Timeline from").fill("2017-11-02T18:00:00")
    page.get_by_label("Timeline to").fill("2017-11-02T20:00:00")
    page.get_by_label("Timeline to").press("Enter")
    state = page.get_by_role("region", name="State")
    expect(state).to_contain_text("protected")
    expect(state.locator("dd").first).to_have_text("deactivated")
    intervals = page.get_by_role("list", name="Intervals")
    expect(intervals).to_contain_text("deactivated 11m12s")
    expect(intervals).to_contain_text("by c-vb-07")
    expect(intervals).to_contain_text("ended by e-ts-03")
    band = page.locator("svg.bands rect[data-status=deactivated]")
    expect(band).to_have_count(1)
    box = band.bounding_box()
    assert box is not None and box["width"] > 50, "11 minutes of a 2-hour window is visible at a glance"
    expect(page.locator("svg.bands text.seg-label")).to_contain_text(["deactivated 11m12s"])
    # the detector's alerts on the account in the window, most severe first
    alerts = page.get_by_role("region", name="Alerts")
    expect(alerts.locator("tbody tr").first).to_contain_text("critical")
    expect(alerts).to_contain_text("acct-hos-0001 deactivated 11m12s by c-vb-07, restored by e-ts-03")
    expect(alerts).to_contain_text("by a contractor and without a ticket")

    # click the deactivation (a mark on the band, by keyboard) for its details and its actor
    mark = page.get_by_role("button", name="18:58:02 account.deactivate by c-vb-07")
    mark.focus()
    mark.press("Enter")
    details = page.get_by_role("region", name="Event details")
    expect(details).to_contain_text("user report")
    expect(details).to_contain_text("contractor")
    details.get_by_role("link", name="c-vb-07").click()

    # the contractor's day, their engagement drawn as a band
    expect(page.get_by_label("Actor", exact=True)).to_have_value("c-vb-07")
    expect(page.get_by_role("textbox", name="Day")).to_have_value("2017-11-02")
    actor = page.get_by_role("region", name="Actor")
    expect(actor).to_contain_text("engagement ends 2017-11-02T23:59:59-04:00")
    expect(actor.locator("svg.bands rect[data-status=engaged]")).to_have_count(1)
    expect(actor.locator("table tbody tr").filter(has_text="acct-hos-0001")).to_contain_text("engaged")

    assert not seen.errors
    calls = seen.api()
    assert {r.headers.get("x-audit-case") for r in calls} == {CASE}, "every read names the case"
    assert all(r.headers.get("authorization") == f"Bearer {token}" for r in calls)
    assert not [r.url for r in seen.requests if token in r.url], "the token never reaches a URL"
    assert token not in page.url and token not in page.content()
    assert page.evaluate("sessionStorage.getItem('auditlog.token')") == token
    assert page.evaluate("localStorage.length") == 0 and not page.context.cookies()


def test_a_wrong_token_shows_the_401_reason_and_never_reaches_a_url(page: Page, server: str) -> None:
    wrong = "not-a-token-f00d"
    reason = httpx.get(f"{server}/api/v1/whoami", headers={"Authorization": f"Bearer {wrong}"})
    assert reason.status_code == 401
    seen = Seen(page)
    page.goto(f"{server}/")
    page.get_by_label("Token").focus()  # tab order: token, case, the button
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "case"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Sign in"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid", "focus is visible"
    sign_in(page, server, wrong)
    expect(page.get_by_role("alert")).to_have_text(reason.json()["detail"])
    assert page.get_by_label("Token").is_visible()
    assert page.evaluate("sessionStorage.getItem('auditlog.token')") is None
    assert not [r.url for r in seen.requests if wrong in r.url]
    assert wrong not in page.url and wrong not in page.content()


def test_without_a_case_a_read_shows_why_in_one_line(page: Page, server: str, token: str) -> None:
    sign_in(page, server, token, case="")
    expect(page.locator("#whoami")).to_contain_text("investigator")
    page.get_by_label("Target").fill("acct-hos-0001")
    page.get_by_label("Target").press("Enter")
    expect(page.locator(".results .error")).to_contain_text("X-Audit-Case")
    page.get_by_label("Current case").fill(CASE)
    page.get_by_label("Current case").press("Enter")
    expect(page.locator(".results table tbody tr").first).to_contain_text("acct-hos-0001")


def test_a_diff_names_the_status_that_changed_and_came_back(page: Page, server: str, token: str) -> None:
    sign_in(page, server, token)
    page.get_by_label("Time zone").fill(ZONE)
    page.get_by_label("Time zone").press("Enter")
    page.get_by_role("link", name="Diff").click()
    page.get_by_label("Account", exact=True).fill("acct-hos-0001")
    page.get_by_label("First time").fill("2017-11-02T18:45:00")
    page.get_by_label("Second time").fill("2017-11-02T19:15:00")
    page.get_by_label("Second time").press("Enter")
    status = page.locator("table tbody tr").filter(has=page.locator("td", has_text="status")).first
    expect(status).to_contain_text("account.deactivate")
    expect(status).to_contain_text("account.reactivate")
    expect(status.locator("td").nth(3)).to_have_text("no")  # changed and changed back: no net change


def test_an_auditor_reads_the_reads_log_of_a_case(page: Page, server: str, token: str, auditor_token: str) -> None:
    httpx.get(f"{server}/api/v1/accounts/acct-hos-0001/state", params={"at": "2017-11-02T19:00:00-04:00"},
              headers={"Authorization": f"Bearer {token}", "X-Audit-Case": CASE}).raise_for_status()
    sign_in(page, server, auditor_token, case="")
    expect(page.locator("#whoami")).to_contain_text("auditor")
    page.get_by_role("link", name="Reads").click()
    page.get_by_role("form", name="Reads log").get_by_label("Case").fill(CASE)
    page.get_by_role("button", name="Show reads").click()
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text(CASE)
    expect(page.locator("table").filter(has_text="acct-hos-0001").first).to_be_visible()
    assert auditor_token not in page.content() and token not in page.content()
