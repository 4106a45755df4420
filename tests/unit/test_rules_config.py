"""The rules file: the packaged defaults, a user's overrides key by key, and a one-line reason
naming the file, the rule and the key for every mistake."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from auditlog.domain.errors import BadInput, ConfigError
from auditlog.domain.rules import Severity
from auditlog.domain.rules_config import DEFAULT_RULES_FILE, load_rules


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_the_defaults_load_and_document_every_knob() -> None:
    config = load_rules(None)
    assert config.source is None
    burst = config.rule("burst")
    assert (burst.enabled, burst.severity) == (True, Severity.MEDIUM)
    assert dict(burst.params) == {"window_minutes": 10, "floor": 10, "factor": 3.0, "history_hours": 24}
    assert config.rule("protected-change").params["require_approval"] is False
    assert config.rule("quick-reversal").params["within_minutes"] == 60
    assert config.rule("last-day").params["within_hours"] == 24
    text = DEFAULT_RULES_FILE.read_text()
    for rule_id in config.rules:  # each table says what its rule is about
        table_start = text.index(f"[rules.{rule_id}]")
        assert text[table_start:].splitlines()[1].startswith("# ")


def test_a_user_file_overrides_only_the_keys_it_names(tmp_path: Path) -> None:
    path = _file(tmp_path, """
[rules.burst]
floor = 25
factor = 2          # a whole number may stand for a number
severity = "high"
allow_actors = ["svc-spam-filter"]

[rules.first-contact]
enabled = false
""")
    config = load_rules(path)
    burst = config.rule("burst")
    assert config.source == path
    assert (burst.params["floor"], burst.params["factor"], burst.params["window_minutes"]) == (25, 2.0, 10)
    assert burst.severity is Severity.HIGH and burst.allow_actors == frozenset({"svc-spam-filter"})
    assert config.rule("first-contact").enabled is False
    assert config.rule("quick-reversal") == load_rules(None).rule("quick-reversal")


@pytest.mark.parametrize(("text", "reason"), [
    ("[rules.burts]\nfloor = 1", "unknown rule 'burts'; the rules are protected-change, after-engagement, last-day, "
                                 "quick-reversal, burst, first-contact"),
    ("[rules.burst]\nflor = 1", "[rules.burst] unknown key 'flor'; its keys are enabled, severity, allow_actors, "
                                "allow_targets, window_minutes, floor, factor, history_hours"),
    ("[rules.burst]\nfloor = 2.5", "[rules.burst] floor: expected a whole number, got 2.5"),
    ("[rules.burst]\nfactor = \"3\"", "[rules.burst] factor: expected a number, got '3'"),
    ("[rules.burst]\nenabled = \"yes\"", "[rules.burst] enabled: expected true or false, got 'yes'"),
    ("[rules.burst]\nfloor = true", "[rules.burst] floor: expected a whole number, got True"),
    ("[rules.burst]\nseverity = \"urgent\"", "[rules.burst] severity: 'urgent' is not one of low, medium, high, "
                                             "critical"),
    ("[rules.burst]\nfloor = -1", "[rules.burst] floor: -1 is negative; thresholds are >= 0"),
    ("[rules.quick-reversal]\nwithin_minutes = -5", "[rules.quick-reversal] within_minutes: -5 is negative"),
    ("[rules.burst]\nallow_actors = \"svc-1\"", "[rules.burst] allow_actors: expected a list of ids (strings)"),
    ("[rule.burst]\nfloor = 1", "unknown top-level key 'rule'"),
    ("[rules.burst\nfloor = 1", "not valid TOML"),
])
def test_each_mistake_is_one_line_naming_file_rule_and_key(tmp_path: Path, text: str, reason: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(ConfigError) as refused:
        load_rules(path)
    message = refused.value.reason
    assert message.startswith(f"rules file {path}: ") and "\n" not in message
    assert reason in message


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rules file .*nowhere.toml: cannot be read"):
        load_rules(tmp_path / "nowhere.toml")


def test_asking_for_an_unknown_rule_names_the_known_ones() -> None:
    with pytest.raises(BadInput, match="unknown rule 'nope'; the rules are protected-change, "):
        load_rules(None).rule("nope")


def test_the_packaged_file_is_valid_toml_with_a_table_per_rule() -> None:
    data = tomllib.loads(DEFAULT_RULES_FILE.read_text())
    assert set(data) == {"rules"} and len(data["rules"]) == 6
