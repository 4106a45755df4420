"""A detector killed with kill -9, again and again, ends with exactly the alerts an unbroken run
raises (the backtest over all time): none lost, none repeated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import psycopg

from auditlog.consumers.detector import CONSUMER, backtest, detect
from auditlog.domain.rules_config import load_rules
from auditlog.domain.settings import Settings
from auditlog.ledger.gateway import Ledger
from auditlog.producers.scenario import build
from tests.factories import append_events

AUDITLOG = os.path.join(os.path.dirname(sys.executable), "auditlog")
KILLS = 3


def _position(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT seq FROM feed_positions WHERE consumer = %s", (CONSUMER,)).fetchone()
    return 0 if row is None else int(row[0])


def _stored(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return [(r[0], str(r[1])) for r in conn.execute("SELECT rule, event_id FROM alerts ORDER BY id")]


def test_kill_9_mid_detection_neither_loses_nor_repeats_an_alert(settings: Settings, cli_env: dict[str, str]) -> None:
    url = settings.require_database()
    with Ledger.from_settings(settings) as ledger:
        ledger.migrate()
    events = list(build().events)
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(0, len(events), 500):
            append_events(conn, events[start:start + 500])
    expected = backtest(settings, load_rules(None), datetime(1970, 1, 1, tzinfo=UTC),
                        datetime(9999, 1, 1, tzinfo=UTC)).findings
    assert expected, "the day raises no alert: nothing for this test to lose"
    killed_at = []
    for _ in range(KILLS):
        past = _position(url)
        proc = subprocess.Popen([AUDITLOG, "detect", "--batch", "40"], env=cli_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while _position(url) <= past + 400:
            assert proc.poll() is None, "the detector exited before it could be killed"
            assert time.monotonic() < deadline, "the detector made no progress"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed_at.append(_position(url))
    assert killed_at == sorted(set(killed_at))  # each run got further
    detect(settings, until_idle=True)
    stored = _stored(url)
    assert len(stored) == len(set(stored)), "an alert was raised twice"
    assert sorted(stored) == sorted((f.rule, f.event_id) for f in expected)


def test_sigterm_finishes_the_page_and_exits_0_with_a_json_tally(settings: Settings, cli_env: dict[str, str]) -> None:
    import json

    from tests.factories import event

    url = settings.require_database()
    with psycopg.connect(url, autocommit=True) as conn:  # new events after the test above left off
        append_events(conn, [event("account.suspend", f"acct-term-{n}", actor="c-term-1") for n in range(30)])
        last = conn.execute("SELECT max(seq) FROM events").fetchone()
    assert last is not None
    proc = subprocess.Popen([AUDITLOG, "detect", "--json"], env=cli_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _position(url) < last[0]:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the detector did not catch up"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    tally = json.loads(out)
    assert tally["events_judged"] == 30 and tally["events_folded_at_start"] > 0
    assert "Traceback" not in err
