import subprocess
import sys
from pathlib import Path

import pytest

from auditlog.investigate.cli import build_parser, main


def test_help_teaches_the_commands_and_the_time_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("db", "emit", "ingest", "state", "who", "demo", "rules"):
        assert command in out
    assert "--tz" in out and "offset" in out


def test_a_time_without_offset_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["state", "a-1", "--at", "2017-11-02T19:00"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "has no UTC offset" in err


def test_an_unknown_action_is_refused_by_the_parser() -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["who", "--action", "account.explode"])
    assert exited.value.code == 2


def test_the_console_script_runs_without_services() -> None:
    done = subprocess.run([sys.executable, "-m", "auditlog.investigate.cli", "who", "--help"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "--after" in done.stdout


def test_every_command_has_a_handler() -> None:
    samples = [["db", "migrate"], ["emit"], ["schemas", "check"], ["ingest"], ["state", "a", "--at", "x"], ["who"],
               ["timeline", "a"], ["diff", "a", "x", "y"], ["actor", "a"], ["snapshot"], ["verify"],
               ["keys", "init"], ["checkpoint"], ["demo"], ["rules", "list"], ["rules", "explain", "burst"]]
    parser = build_parser()
    for words in samples:
        assert callable(parser.parse_args(words).handler), words


def test_help_imports_neither_postgres_nor_kafka_nor_the_use_cases() -> None:
    script = """
import sys
from auditlog.investigate.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "kafka", "fastavro", "cryptography")
               or m.startswith(("auditlog.investigate.usecases", "auditlog.ledger")))
print(heavy)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["diff", "a", "2017-11-02T19:00Z", "2017-11-02T18:00Z"], "T1 must not be later than T2"),
        (["timeline", "a", "--from", "2017-11-02T19:00Z", "--to", "2017-11-02T18:00Z"],
         "--from must not be later than --to"),
        (["who", "--after", "garbage"], "--after: 'garbage' is not a cursor printed by a previous page"),
        (["who", "--limit", "0"], "--limit: must be at least 1"),
        (["snapshot", "--every", "0"], "--every: must be at least 1"),
        (["actor", "c-1", "--on", "2017-11-02"],
         "--on: '2017-11-02' names a day but not whose; pass --tz (e.g. America/New_York or UTC)"),
    ],
)
def test_a_use_case_refusal_names_the_commands_own_flags(
    args: list[str], reason: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # refused before it is asked
    assert main(args) == 2
    assert capsys.readouterr().err == f"auditlog: {reason}\n"
