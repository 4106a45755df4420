"""The console's static files: served at ``/`` and ``/console/<name>`` from a fixed list, with headers
that keep scripts to this origin, and installed with the package (package-data covers every file)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from auditlog.domain.settings import Settings
from auditlog.investigate.api import console_routes
from auditlog.investigate.api.app import create_app

REPO = Path(__file__).resolve().parents[2]
CONSOLE = REPO / "investigate" / "api" / "console"


@pytest.fixture(scope="module")
def client() -> TestClient:
    # no `with`: the app's lifespan (which opens the ledger) never runs; these routes need no ledger
    return TestClient(create_app(Settings(database_url=None, bootstrap_servers=None)))


def test_the_page_is_served_at_the_root_with_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<script type="module" src="/console/app.js">' in page.text


def test_every_file_the_page_and_its_modules_name_is_served(client: TestClient) -> None:
    names = set(re.findall(r'/console/([\w.]+)', (CONSOLE / "index.html").read_text()))
    for script in CONSOLE.glob("*.js"):
        names |= set(re.findall(r'from "\./([\w.]+)"', script.read_text()))
    assert names == set(console_routes._FILES), "the route's list and the files the page loads agree"
    for name in names:
        answer = client.get(f"/console/{name}")
        assert answer.status_code == 200, name
        assert answer.content == (CONSOLE / name).read_bytes()
    assert client.get("/console/app.js").headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("path", ["/console/index.py", "/console/..%2Fapp.py", "/console/../app.py", "/console/"])
def test_anything_else_under_console_is_a_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_no_script_writes_markup_from_strings() -> None:
    """Text from the API goes in as text nodes: no innerHTML, outerHTML, insertAdjacentHTML or document.write."""
    for script in CONSOLE.glob("*.js"):
        text = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{script.name} uses {sink}"


def test_package_data_installs_every_console_file() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["auditlog.investigate.api"]
    for path in CONSOLE.iterdir():
        assert any(fnmatch.fnmatch(f"console/{path.name}", p) for p in patterns), path.name
