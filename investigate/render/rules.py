"""The detector's rules (``auditlog rules list|explain``) and findings, as text and as JSON:
one pair per shape, as in ``oncall.py``."""

from __future__ import annotations

import textwrap
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from auditlog.domain.rules_config import Param, RuleConfig
from auditlog.investigate.render.text import table
from auditlog.investigate.times import show

if TYPE_CHECKING:
    from collections.abc import Mapping

    from auditlog.domain.rules import Finding
    from auditlog.investigate.usecases.rules import RuleExplanation, RulesListing


def _value(value: Param) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _params_text(params: Mapping[str, Param]) -> str:
    return " ".join(f"{name}={_value(value)}" for name, value in params.items()) or "-"


def _source(answer: RulesListing | RuleExplanation) -> str:
    if answer.source is None:
        return "rules: the packaged defaults (AUDITLOG_RULES is unset)"
    return f"rules: {answer.source} (over the packaged defaults)"


def _config_json(config: RuleConfig) -> dict[str, Any]:
    return {"enabled": config.enabled, "severity": config.severity.value, "params": dict(config.params),
            "allow_actors": sorted(config.allow_actors), "allow_targets": sorted(config.allow_targets)}


def finding_json(finding: Finding, tz: tzinfo | None) -> dict[str, Any]:
    return {"rule": finding.rule, "severity": finding.severity.value, "event_id": finding.event_id,
            "actor_id": finding.actor_id, "target_id": finding.target_id,
            "occurred_at": show(finding.occurred_at, tz), "summary": finding.summary,
            "related_event_id": finding.related_event_id, "late": finding.late}


def finding_text(finding: Finding, tz: tzinfo | None) -> str:
    late = " (late)" if finding.late else ""
    return f"{show(finding.occurred_at, tz)}  {finding.severity.value.upper()}{late}  {finding.summary}"


def rules_list_json(answer: RulesListing, tz: tzinfo | None = None) -> dict[str, Any]:
    return {"source": None if answer.source is None else str(answer.source),
            "rules": [{"id": rule.id, "title": rule.title, **_config_json(config)} for rule, config in answer.rules]}


def rules_list_text(answer: RulesListing, tz: tzinfo | None = None) -> list[str]:
    rows = [[rule.id, "yes" if config.enabled else "no", config.severity.value, _params_text(config.params),
             len(config.allow_actors), len(config.allow_targets)] for rule, config in answer.rules]
    return [_source(answer), *table(("rule", "enabled", "severity", "thresholds", "allowed actors",
                                     "allowed targets"), rows),
            "`auditlog rules explain RULE` tells what a rule looks for."]


def rule_explain_json(answer: RuleExplanation, tz: tzinfo | None) -> dict[str, Any]:
    rule = answer.rule
    return {"id": rule.id, "title": rule.title, "default_severity": rule.severity.value,
            "description": rule.description, **_config_json(answer.config),
            "source": None if answer.source is None else str(answer.source),
            "example": None if answer.example is None else finding_json(answer.example, tz),
            "example_from": answer.example_from}


def rule_explain_text(answer: RuleExplanation, tz: tzinfo | None) -> list[str]:
    rule, config = answer.rule, answer.config
    severity = config.severity.value + ("" if config.severity is rule.severity else f" (default {rule.severity})")
    lines = [f"{rule.id}: {rule.title}", f"severity: {severity}; enabled: {'yes' if config.enabled else 'no'}", "",
             *textwrap.wrap(rule.description, 96), "", _source(answer)]
    lines += [f"  {name} = {_value(value)}" for name, value in config.params.items()] or ["  (no thresholds)"]
    for label, ids in (("allowed actors", config.allow_actors), ("allowed targets", config.allow_targets)):
        lines.append(f"  {label}: {', '.join(sorted(ids)) or '-'}")
    lines += ["", f"example, from {answer.example_from}:"]
    lines.append("  " + (finding_text(answer.example, tz) if answer.example else "(none)"))
    return lines
