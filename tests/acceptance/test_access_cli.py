"""`auditlog tokens` and `auditlog reads`, and the investigator commands' reads on the record:
a case from --case or AUDITLOG_CASE, required with AUDITLOG_REQUIRE_CASE=1, and --known-at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.acceptance.test_cli import auditlog
from tests.factories import append_events, event


@pytest.fixture(scope="module")
def cwd(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with psycopg.connect(database_url, autocommit=True) as conn:
        append_events(conn, [event("account.deactivate", "acct-1", "2017-11-02T22:58:02+00:00", "c-vb-07")])
    return tmp_path_factory.mktemp("access")


def _json(env: dict[str, str], cwd: Path, *args: str) -> Any:
    done = auditlog(env, cwd, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_token_is_printed_once_listed_without_its_secret_and_revoked(cli_env: dict[str, str], cwd: Path,
                                                                     database_url: str) -> None:
    made = _json(cli_env, cwd, "tokens", "create", "--role", "investigator", "--scope", "org=vendor-b",
                 "--expires", "7d")
    assert made["id"].startswith("tok_") and made["token"].startswith(made["id"] + ".")
    assert made["scopes"] == ["org=vendor-b"]
    listed = _json(cli_env, cwd, "tokens", "list")["tokens"]
    assert made["id"] in {t["id"] for t in listed}
    secret = made["token"].split(".", 1)[1]
    assert secret not in json.dumps(listed) and "hash" not in json.dumps(listed)
    with psycopg.connect(database_url) as conn:  # the ledger holds its hash only
        assert conn.execute("SELECT count(*) FROM tokens WHERE token_hash::text LIKE %s",
                            (f"%{secret}%",)).fetchone() == (0,)
    revoked = auditlog(cli_env, cwd, "tokens", "revoke", made["id"])
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    (row,) = [t for t in _json(cli_env, cwd, "tokens", "list")["tokens"] if t["id"] == made["id"]]
    assert row["revoked_at"] is not None
    bad = auditlog(cli_env, cwd, "tokens", "create", "--role", "investigator", "--scope", "team=x")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--scope" in bad.stderr


def test_investigator_commands_record_their_reads_with_the_case(cli_env: dict[str, str], cwd: Path) -> None:
    _json(cli_env, cwd, "state", "acct-1", "--at", "2017-11-03T00:00:00Z", "--case", "INC-cli-1")
    _json({**cli_env, "AUDITLOG_CASE": "INC-cli-2"}, cwd, "who", "--target", "acct-1")
    first = _json(cli_env, cwd, "reads", "--case", "INC-cli-1")["reads"]
    assert [(r["route"], r["role"], r["token"], r["params"]["account"]) for r in first] == [
        ("auditlog state", "cli", None, "acct-1")]
    assert first[0]["client"]  # the OS user
    assert _json(cli_env, cwd, "reads", "--case", "INC-cli-2")["reads"][0]["route"] == "auditlog who"


def test_a_required_case_refuses_a_read_without_one(cli_env: dict[str, str], cwd: Path) -> None:
    env = {**cli_env, "AUDITLOG_REQUIRE_CASE": "1"}
    refused = auditlog(env, cwd, "timeline", "acct-1")
    assert refused.returncode == 2 and "AUDITLOG_REQUIRE_CASE" in refused.stderr and refused.stdout == ""
    assert auditlog(env, cwd, "timeline", "acct-1", "--case", "INC-3").returncode == 0
    bad = auditlog(cli_env, cwd, "state", "acct-1", "--at", "2017-11-03T00:00Z", "--case", " padded")
    assert bad.returncode == 2 and "--case" in bad.stderr


def test_known_at_reaches_who_timeline_diff_and_actor(cli_env: dict[str, str], cwd: Path) -> None:
    early = ("--known-at", "2000-01-01T00:00:00Z")
    assert _json(cli_env, cwd, "who", "--target", "acct-1", *early)["events"] == []
    assert _json(cli_env, cwd, "timeline", "acct-1", *early)["events"] == []
    assert _json(cli_env, cwd, "diff", "acct-1", "2017-11-02T00:00Z", "2017-11-03T00:00Z", *early)["fields"] == []
    assert _json(cli_env, cwd, "actor", "c-vb-07", *early)["actions"] == []
    assert _json(cli_env, cwd, "actor", "c-vb-07")["actions"]


def test_auditlog_serve_answers_a_token_on_localhost(cli_env: dict[str, str], cwd: Path) -> None:
    import socket
    import subprocess
    import sys
    import time

    import httpx

    token = _json(cli_env, cwd, "tokens", "create", "--role", "auditor", "--expires", "1h")["token"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "auditlog.investigate.cli", "serve", "--port", str(port)],
                              env=cli_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/whoami",
                                   headers={"Authorization": f"Bearer {token}"}, timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "auditlog serve did not start"
                time.sleep(0.1)
        assert answer.status_code == 200 and answer.json()["role"] == "auditor"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/whoami", timeout=5).status_code == 401
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=20)
    assert token not in errors  # nothing logged the token
