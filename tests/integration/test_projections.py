"""Projections from the ledger feed: accounts_now answers the incident's question in one indexed
query, a rebuild builds beside the live generation and swaps (readers never see half of it), and
a projector killed with -9 mid-rebuild or mid-catch-up resumes to the same rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from unittest.mock import patch

import psycopg
import pytest

from auditlog.consumers.projector import project, rebuild, step
from auditlog.consumers.read_ahead import ReadAhead
from auditlog.domain.errors import AuditError
from auditlog.domain.settings import Settings
from auditlog.ledger.feed import START
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.now import END_OF_TIME
from auditlog.ledger.projections import make
from auditlog.ledger.state import state_by_replay
from auditlog.producers import scenario
from tests.factories import append_events

AUDITLOG = os.path.join(os.path.dirname(sys.executable), "auditlog")
SCENARIO = scenario.build(accounts=120, day_actions=1500)
CUT = datetime(2017, 11, 2, 23, 0, tzinfo=UTC)  # 19:00 Eastern: deactivated, not yet restored


def _append(url: str, events: list, chunk: int = 300) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for at in range(0, len(events), chunk):
            append_events(conn, events[at:at + chunk])


def _accounts(ledger: Ledger) -> list:
    with ledger.reading() as unit:
        return unit.accounts_now(limit=100_000)


def _actors(ledger: Ledger) -> list:
    with ledger.reading() as unit:
        return unit.actors_now(limit=100_000)


def _cli(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AUDITLOG, *args], env=cli_env, capture_output=True, text=True, timeout=120)


def _position(url: str, consumer: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT seq FROM feed_positions WHERE consumer = %s", (consumer,)).fetchone()
    return 0 if row is None else int(row[0])


@pytest.fixture(scope="module")
def first_half(settings: Settings) -> None:
    _append(settings.require_database(), [e for e in SCENARIO.events if e.occurred_at <= CUT])


def test_protected_and_deactivated_is_one_indexed_query_that_names_the_culprit(
        settings: Settings, cli_env: dict[str, str], first_half: None) -> None:
    project(settings, until_idle=True)
    found = _cli(cli_env, "accounts", "--protected", "--status", "deactivated", "--json")
    assert found.returncode == 0, found.stderr
    accounts = json.loads(found.stdout)["accounts"]
    assert [a["account"] for a in accounts] == [scenario.PROTECTED_ACCOUNT]
    assert accounts[0]["status_since"]["actor"] == scenario.CULPRIT
    assert accounts[0]["status_since"]["occurred_at"] == "2017-11-02T22:58:02+00:00"
    with psycopg.connect(settings.require_database()) as conn:
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT account FROM accounts_now WHERE generation = 1 AND protected AND status = 'deactivated'"))
    assert "accounts_now_protected_status" in plan
    # the rest of the day: restored 11m12s later, and no protected account is deactivated any more
    _append(settings.require_database(), [e for e in SCENARIO.events if e.occurred_at > CUT])
    project(settings, until_idle=True)
    assert "0 accounts" in _cli(cli_env, "accounts", "--protected", "--status", "deactivated").stdout
    with Ledger.from_settings(settings) as ledger:
        accounts_now = _accounts(ledger)
        with ledger.reading() as unit:
            for row in accounts_now[::7]:
                truth = state_by_replay(unit.conn, row.account, END_OF_TIME)
                assert (row.status, row.protected, row.events) == (truth.status.value, truth.protected,
                                                                   truth.events_applied)
    offboarded = [a for a in _actors(ledger) if a.actor == scenario.CULPRIT]
    assert offboarded and offboarded[0].engagement_end == SCENARIO.incident.engagement_end
    status = json.loads(_cli(cli_env, "projections", "status", "--json").stdout)
    assert {p["name"]: p["rows_behind"] for p in status["projections"]} == {
        "accounts_now": 0, "actors_now": 0, "snapshots": 0}
    assert _cli(cli_env, "accounts", "--status", "asleep").returncode == 2


def test_a_rebuild_stopped_half_way_is_invisible_to_readers_and_resumes(settings: Settings) -> None:
    with Ledger.from_settings(settings) as ledger:
        before = _accounts(ledger)
        stop = threading.Event()
        with pytest.raises(AuditError, match="rebuild stopped"):
            rebuild(settings, "accounts_now", batch=200, progress=lambda n: stop.set(), stop=stop)
        with ledger.reading() as unit:
            generations = {g.name: g for g in unit.projections()}
        assert generations["accounts_now"].building == 2
        assert _accounts(ledger) == before  # readers see the live generation only
        done = rebuild(settings, "accounts_now", batch=200)
        assert done.resumed_from != START and (done.generation, done.replaced) == (2, 1)
        assert _accounts(ledger) == before


def _kill_when_past(proc: subprocess.Popen[bytes], url: str, consumer: str, past: int) -> None:
    deadline = time.monotonic() + 60
    while _position(url, consumer) <= past:
        assert proc.poll() is None, "the projector finished before it could be killed"
        assert time.monotonic() < deadline, "the projector made no progress"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def test_kill_9_mid_rebuild_resumes_to_the_same_rows(settings: Settings, cli_env: dict[str, str]) -> None:
    url = settings.require_database()
    with Ledger.from_settings(settings) as ledger:
        before = _accounts(ledger)
        proc = subprocess.Popen([AUDITLOG, "projections", "rebuild", "accounts_now", "--batch", "20"], env=cli_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _kill_when_past(proc, url, "accounts_now#rebuild", 0)
        assert _accounts(ledger) == before
        done = rebuild(settings, "accounts_now", batch=500)
        assert done.resumed_from != START
        assert _accounts(ledger) == before


def test_kill_9_mid_catch_up_resumes_to_the_same_rows(settings: Settings, cli_env: dict[str, str]) -> None:
    url = settings.require_database()
    with Ledger.from_settings(settings) as ledger:
        expected = _actors(ledger)
        with psycopg.connect(url, autocommit=True) as conn:  # the live actors_now reads everything again
            conn.execute("DELETE FROM actors_now")
            conn.execute("DELETE FROM feed_positions WHERE consumer = 'actors_now'")
        proc = subprocess.Popen([AUDITLOG, "projections", "run", "actors_now", "--batch", "20"], env=cli_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _kill_when_past(proc, url, "actors_now", 0)
        assert _position(url, "actors_now") > 0
        project(settings, ["actors_now"], until_idle=True)
        assert _actors(ledger) == expected


# in a process of its own: threads other tests leave behind (clients, servers) make cycles too
_REBUILD_ALL_COUNTING_CYCLES = """
import gc
from auditlog.consumers.projector import rebuild
from auditlog.domain.settings import Settings
from auditlog.ledger.projections import NAMES
settings = Settings.load()
gc.collect()
gc.disable()
rows = sum(rebuild(settings, name, batch=100).rows for name in NAMES)
print(rows, gc.collect())
"""


def test_applying_pages_makes_no_reference_cycles(settings: Settings, cli_env: dict[str, str],
                                                   first_half: None) -> None:
    """The projector pauses the cyclic collector while it catches up (consumers/collector.py):
    that holds no memory only while applying a page leaves nothing that refcounting cannot free."""
    project(settings, until_idle=True)
    with Ledger.from_settings(settings) as ledger:
        accounts, actors = _accounts(ledger), _actors(ledger)
    done = subprocess.run([sys.executable, "-c", _REBUILD_ALL_COUNTING_CYCLES], env=cli_env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows, cycles = map(int, done.stdout.split())
    assert rows > 3000
    assert cycles == 0
    with Ledger.from_settings(settings) as ledger:
        assert (_accounts(ledger), _actors(ledger)) == (accounts, actors)


def test_a_page_read_ahead_is_dropped_when_the_page_before_it_rolls_back(settings: Settings, first_half: None) -> None:
    """The projector reads the next page while it applies one (consumers/read_ahead.py). When that
    one rolls back, the page read ahead starts past the stored position: applying it would skip
    the rows of the page that rolled back."""
    url = settings.require_database()
    project(settings, ["accounts_now"], until_idle=True)
    with Ledger.from_settings(settings) as ledger:
        expected = _accounts(ledger)
    with psycopg.connect(url, autocommit=True) as conn:  # the live accounts_now reads everything again
        conn.execute("DELETE FROM accounts_now")
        conn.execute("DELETE FROM feed_positions WHERE consumer = 'accounts_now'")
    projection = make("accounts_now")
    with Ledger.from_settings(settings) as ledger, ReadAhead(url) as ahead:
        assert step(ledger, projection, batch=100, ahead=ahead)[0] == 100  # the second page read ahead
        with patch.object(projection, "apply", side_effect=AuditError("the server went away")), \
                pytest.raises(AuditError):
            step(ledger, projection, batch=100, ahead=ahead)  # the second page rolls back, the third read ahead
        assert _position(url, "accounts_now") > 0
        while step(ledger, projection, batch=100, ahead=ahead)[0]:
            pass
        assert _accounts(ledger) == expected
