"""``auditlog rules list|explain`` as a user runs them: no database, the rules file from
AUDITLOG_RULES, exit 2 with one line for an unknown rule or a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditlog.domain.rules import RULES
from auditlog.investigate.cli import main


@pytest.fixture(autouse=True)
def _no_services(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("AUDITLOG_RULES", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # never asked


def test_list_shows_every_rule_and_says_the_defaults_were_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list"]) == 0
    out = capsys.readouterr().out
    assert "the packaged defaults (AUDITLOG_RULES is unset)" in out
    for rule_id in RULES:
        assert rule_id in out
    assert "window_minutes=10 floor=10 factor=3.0" in out


def test_list_reads_the_file_auditlog_rules_names(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[rules.burst]\nfloor = 30\nallow_actors = ["svc-spam-filter", "svc-bulk"]\n'
                    '[rules.first-contact]\nenabled = false\n')
    monkeypatch.setenv("AUDITLOG_RULES", str(path))
    assert main(["rules", "list", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    rules = {rule["id"]: rule for rule in answer["rules"]}
    assert answer["source"] == str(path)
    assert rules["burst"]["params"]["floor"] == 30 and len(rules["burst"]["allow_actors"]) == 2
    assert rules["first-contact"]["enabled"] is False and rules["last-day"]["enabled"] is True


def test_explain_tells_the_rule_its_settings_and_an_incident_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "explain", "quick-reversal", "--tz", "America/New_York"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("quick-reversal: ")
    assert "within_minutes = 60" in out
    assert "2017-11-02T19:09:14-04:00  HIGH  acct-hos-0001 deactivated 11m12s by c-vb-07, restored by e-ts-03" in out


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_has_an_example_from_the_incident_day(rule_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "explain", rule_id, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["example"]["rule"] == rule_id and "c-vb-07" in answer["example"]["summary"]
    assert answer["description"] == RULES[rule_id].description


def test_an_unknown_rule_exits_2_naming_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "explain", "quick-reverse"]) == 2
    err = capsys.readouterr().err
    assert err == ("auditlog: unknown rule 'quick-reverse'; the rules are protected-change, after-engagement, "
                   "last-day, quick-reversal, burst, first-contact\n")


def test_a_bad_rules_file_exits_2_with_its_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[rules.burst]\nfloor = -3\n")
    monkeypatch.setenv("AUDITLOG_RULES", str(path))
    assert main(["rules", "list"]) == 2
    assert capsys.readouterr().err == (f"auditlog: rules file {path}: [rules.burst] floor: -3 is negative; "
                                       "thresholds are >= 0\n")
