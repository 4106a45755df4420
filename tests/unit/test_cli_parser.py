import subprocess
import sys

import pytest

from auditlog.investigate.cli import build_parser, main


def test_help_teaches_the_commands_and_the_time_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("db", "emit", "ingest", "state", "who", "demo"):
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
