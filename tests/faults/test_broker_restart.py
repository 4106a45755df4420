"""`make down` then `make up` (a reboot, the next morning): the local broker keeps topics in
memory, so the dev ledger meets a fresh, empty topic whose offsets start again at 0. The
writer records the new incarnation and goes on; nothing is lost, nothing is stored twice,
and `verify` is clean.

This runs the real devstack commands in a folder of their own (its own Postgres and broker,
addresses in its .env, as `make up` does) and the `auditlog` CLI reading that .env.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from auditlog.domain.settings import read_env_file
from tests.conftest import SESSION_TIMEOUT_MS
from tests.factories import event


def _run(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "KAFKA_", "AUDITLOG_"))}
    env |= {"AUDITLOG_SIGNING_KEY": str(workdir / "keys" / "ledger.key"), "AUDITLOG_PARTITIONS": "3",
            "AUDITLOG_KAFKA_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS)}
    done = subprocess.run([sys.executable, "-m", *args], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    if check:
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


def _emit(workdir: Path, count: int, tag: str) -> set[str]:
    lines = [event("account.update", target=f"acct-{n % 7}", reason=f"{tag} {n}") for n in range(count)]
    path = workdir / f"{tag}.jsonl"
    from auditlog.domain.plain import to_plain

    path.write_text("".join(json.dumps(to_plain(e, iso_times=True)) + "\n" for e in lines))
    _run(workdir, "auditlog.investigate.cli", "emit", "--file", str(path))
    return {e.event_id for e in lines}


def test_down_then_up_then_ingest_into_the_same_ledger(tmp_path: Path) -> None:
    devstack = ("auditlog.devstack", "--dir", str(tmp_path / ".devstack"), "--env-file", str(tmp_path / ".env"))
    _run(tmp_path, *devstack, "up")
    try:
        _run(tmp_path, "auditlog.investigate.cli", "db", "migrate")
        _run(tmp_path, "auditlog.investigate.cli", "keys", "init")
        before = _emit(tmp_path, 1200, "yesterday")
        _run(tmp_path, "auditlog.investigate.cli", "ingest", "--until-idle")
        old_broker = read_env_file(tmp_path / ".env")["KAFKA_BOOTSTRAP_SERVERS"]

        _run(tmp_path, *devstack, "down")
        _run(tmp_path, *devstack, "up")  # the same ledger, a fresh memory broker
        assert read_env_file(tmp_path / ".env")["KAFKA_BOOTSTRAP_SERVERS"] != old_broker
        after = _emit(tmp_path, 800, "today")  # fewer than yesterday: offsets the ledger already holds
        ingested = _run(tmp_path, "auditlog.investigate.cli", "ingest", "--until-idle")
        assert "ingested 800 events" in ingested.stdout
        more = _emit(tmp_path, 900, "later")  # and now past yesterday's offsets too
        _run(tmp_path, "auditlog.investigate.cli", "ingest", "--until-idle")
        verified = _run(tmp_path, "auditlog.investigate.cli", "verify", "--json", check=False)

        with psycopg.connect(read_env_file(tmp_path / ".env")["DATABASE_URL"]) as conn:
            stored = [r[0] for r in conn.execute("SELECT event_id::text FROM events")]
            changes = conn.execute("SELECT partition, incarnation, ledger_end, broker_start FROM topic_incarnations "
                                   "ORDER BY partition").fetchall()
    finally:
        _run(tmp_path, *devstack, "down", check=False)
    assert len(stored) == len(set(stored)), "an event is stored twice"
    assert set(stored) == before | after | more, "events lost"
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True
    # each partition met the new topic once, read it from 0, and said where the old one ended
    assert [(p, i, s) for p, i, _, s in changes] == [(0, 1, 0), (1, 1, 0), (2, 1, 0)]
    assert all(end > 0 for _, _, end, _ in changes)
