"""The `auditlog` command as a user drives it, against real services."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ACCOUNT = "acct-cli-1"


def auditlog(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditlog.investigate.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")  # no .env here: the environment alone configures


@pytest.fixture(scope="module")
def ingested(cli_env: dict[str, str], workdir: Path) -> list[str]:
    outputs = []
    for args in (
        ("db", "migrate"),
        ("emit", "--actor", "svc-signup", "--actor-kind", "service", "--action", "account.create",
         "--target", ACCOUNT, "--handle", "@cli", "--at", "2017-01-01T00:00:00Z"),
        ("emit", "--actor", "e-1", "--actor-kind", "employee", "--action", "account.protect",
         "--target", ACCOUNT, "--at", "2017-06-01T12:00:00Z"),
        ("emit", "--actor", "c-vb-07", "--actor-kind", "contractor", "--actor-org", "vendor-b",
         "--action", "account.deactivate", "--target", ACCOUNT, "--at", "2017-11-02T18:58:02",
         "--tz", "America/New_York", "--reason", "user report"),
        ("ingest", "--until-idle"),
    ):
        done = auditlog(cli_env, workdir, *args)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    return outputs


def test_emit_reports_where_the_event_went_and_ingest_counts_it(ingested: list[str]) -> None:
    assert all(out.startswith("emitted ") and " at offset " in out for out in ingested[1:4])
    assert ingested[4].startswith("ingested 3 events")


def test_state_json_shows_the_account_at_each_moment(cli_env: dict[str, str], workdir: Path,
                                                     ingested: object) -> None:
    before = auditlog(cli_env, workdir, "state", ACCOUNT, "--at", "2017-11-02T18:57:00-04:00", "--json")
    after = auditlog(cli_env, workdir, "state", ACCOUNT, "--at", "2017-11-02T19:00", "--tz",
                     "America/New_York", "--json")
    assert before.returncode == after.returncode == 0
    b, a = json.loads(before.stdout), json.loads(after.stdout)
    assert (b["status"], b["protected"]) == ("active", True)
    assert (a["status"], a["last_change"]["actor"]) == ("deactivated", "c-vb-07")
    assert a["at"] == "2017-11-02T19:00:00-04:00"


def test_who_pages_through_answers_with_a_cursor(cli_env: dict[str, str], workdir: Path,
                                                 ingested: object) -> None:
    first = json.loads(auditlog(cli_env, workdir, "who", "--target", ACCOUNT, "--limit", "2",
                                "--json").stdout)
    assert [e["action"] for e in first["events"]] == ["account.create", "account.protect"]
    assert first["next"]
    second = json.loads(auditlog(cli_env, workdir, "who", "--target", ACCOUNT, "--limit", "2",
                                 "--after", first["next"], "--json").stdout)
    assert [(e["action"], e["actor"]["id"]) for e in second["events"]] == [("account.deactivate", "c-vb-07")]
    assert second["next"] is None


def test_who_table_for_people(cli_env: dict[str, str], workdir: Path, ingested: object) -> None:
    done = auditlog(cli_env, workdir, "who", "--actor", "c-vb-07", "--tz", "America/New_York")
    assert done.returncode == 0
    assert "2017-11-02T18:58:02-04:00" in done.stdout and "(1 events)" in done.stdout


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("state", ACCOUNT, "--at", "yesterday"), "is not an ISO-8601 time"),
        (("who", "--from", "2017-11-02T00:00"), "has no UTC offset"),
        (("who", "--after", "garbage"), "is not a cursor"),
        (("emit", "--actor", "x", "--actor-kind", "employee", "--action", "account.create",
          "--target", "a", "--at", "2017-13-01T00:00Z"), "is not an ISO-8601 time"),
    ],
)
def test_bad_input_exits_2_with_a_one_line_reason(cli_env: dict[str, str], workdir: Path,
                                                  args: tuple[str, ...], reason: str) -> None:
    done = auditlog(cli_env, workdir, *args)
    assert done.returncode == 2
    assert reason in done.stderr and done.stderr.count("\n") == 1


def test_an_unreachable_database_is_one_line_and_exit_1(cli_env: dict[str, str], workdir: Path) -> None:
    env = {**cli_env, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    done = auditlog(env, workdir, "state", ACCOUNT, "--at", "2017-11-02T19:00Z")
    assert done.returncode == 1
    assert done.stderr.startswith("auditlog: cannot reach Postgres") and done.stderr.count("\n") == 1


def test_investigator_commands_need_only_the_reader_role(cli_env: dict[str, str], workdir: Path,
                                                        ingested: object) -> None:
    """A login that is a member of auditlog_reader alone can ask questions but not ingest."""
    import uuid

    import psycopg

    login = f"investigator_{uuid.uuid4().hex[:8]}"
    url = cli_env["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{login}" LOGIN IN ROLE auditlog_reader')
    base, _, rest = url.partition("://")
    host = rest.split("@", 1)[1]
    env = {**cli_env, "DATABASE_URL": f"{base}://{login}@{host}"}
    state = auditlog(env, workdir, "state", ACCOUNT, "--at", "2017-11-02T19:00:00-04:00", "--json")
    assert state.returncode == 0, state.stderr
    assert json.loads(state.stdout)["status"] == "deactivated"
    assert auditlog(env, workdir, "who", "--target", ACCOUNT, "--json").returncode == 0
    assert auditlog(env, workdir, "timeline", ACCOUNT, "--json").returncode == 0
    with psycopg.connect(url) as conn:  # each read went on the record, as the reader role may append it
        recorded = conn.execute("SELECT route, client FROM reads ORDER BY seq DESC LIMIT 3").fetchall()
    assert [r[0] for r in recorded] == ["auditlog timeline", "auditlog who", "auditlog state"]
    refused = auditlog(env, workdir, "ingest", "--until-idle")
    assert refused.returncode == 1 and "cannot act as role auditlog_writer" in refused.stderr
