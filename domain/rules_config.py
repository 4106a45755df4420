"""The detector's rules file: ``load_rules`` reads the packaged defaults and a user's overrides.

The packaged ``default_rules.toml`` is the schema: it names every rule, every key and the type
of each value. A user's file may only change values (per key; what it leaves out keeps the
default); anything else is a ``ConfigError`` naming the file, the rule and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from auditlog.domain.errors import BadInput, ConfigError
from auditlog.domain.severity import Severity

DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.toml")

# keys every rule has; all others are its thresholds (params)
_COMMON = ("enabled", "severity", "allow_actors", "allow_targets")

Param = int | float | bool


@dataclass(frozen=True)
class RuleConfig:
    enabled: bool = True
    severity: Severity = Severity.MEDIUM
    allow_actors: frozenset[str] = frozenset()
    allow_targets: frozenset[str] = frozenset()
    params: Mapping[str, Param] = field(default_factory=lambda: MappingProxyType({}))

    def allows(self, actor_id: str, target_id: str) -> bool:
        """True when the allowlists exempt this actor or this target."""
        return actor_id in self.allow_actors or target_id in self.allow_targets

    def number(self, name: str) -> float:
        return float(self.params[name])

    def flag(self, name: str) -> bool:
        return bool(self.params[name])


@dataclass(frozen=True)
class RulesConfig:
    rules: Mapping[str, RuleConfig]
    source: Path | None = None  # the user's file read over the defaults (None: the defaults alone)

    def rule(self, rule_id: str) -> RuleConfig:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise BadInput(f"unknown rule {rule_id!r}; the rules are {', '.join(self.rules)}") from None


def load_rules(path: Path | None) -> RulesConfig:
    """The packaged defaults, overridden key by key by the TOML file at ``path`` (None: defaults only)."""
    defaults = _read(DEFAULT_RULES_FILE)
    if path is None:
        return RulesConfig(_build(defaults, {}, DEFAULT_RULES_FILE))
    return RulesConfig(_build(defaults, _read(path), path), source=path)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"rules file {path}: cannot be read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"rules file {path}: not valid TOML ({exc})") from exc
    extra = sorted(set(data) - {"rules"})
    if extra:
        raise ConfigError(f"rules file {path}: unknown top-level key {extra[0]!r} (rules go in [rules.ID] tables)")
    rules = data.get("rules", {})
    if not isinstance(rules, dict) or not all(isinstance(table, dict) for table in rules.values()):
        raise ConfigError(f"rules file {path}: each rule must be a table, [rules.ID]")
    return rules


def _build(defaults: dict[str, Any], user: dict[str, Any], path: Path) -> MappingProxyType[str, RuleConfig]:
    unknown = sorted(set(user) - set(defaults))
    if unknown:
        raise ConfigError(f"rules file {path}: unknown rule {unknown[0]!r}; the rules are {', '.join(defaults)}")
    built = {rule_id: _rule(rule_id, table, user.get(rule_id, {}), path) for rule_id, table in defaults.items()}
    return MappingProxyType(built)


def _rule(rule_id: str, default: dict[str, Any], user: dict[str, Any], path: Path) -> RuleConfig:
    where = f"rules file {path}: [rules.{rule_id}]"
    for key in user:
        if key not in default:
            raise ConfigError(f"{where} unknown key {key!r}; its keys are {', '.join(default)}")
    merged = {key: _checked(where, key, default[key], user[key]) if key in user else default[key]
              for key in default}
    try:
        severity = Severity(merged["severity"])
    except ValueError:
        raise ConfigError(f"{where} severity: {merged['severity']!r} is not one of "
                          f"{', '.join(s.value for s in Severity)}") from None
    params = {key: value for key, value in merged.items() if key not in _COMMON}
    return RuleConfig(merged["enabled"], severity, frozenset(merged["allow_actors"]),
                      frozenset(merged["allow_targets"]), MappingProxyType(params))


def _checked(where: str, key: str, default: Any, value: Any) -> Any:
    """``value`` if it has the default's type (an integer may stand for a float), else a ConfigError."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} {key}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(default, int) and not isinstance(value, int)):
            kind = "a whole number" if isinstance(default, int) else "a number"
            raise ConfigError(f"{where} {key}: expected {kind}, got {value!r}")
        if value < 0:
            raise ConfigError(f"{where} {key}: {value!r} is negative; thresholds are >= 0")
        return float(value) if isinstance(default, float) else value
    if isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise ConfigError(f"{where} {key}: expected a list of ids (strings), got {value!r}")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where} {key}: expected a string, got {value!r}")
    return value
