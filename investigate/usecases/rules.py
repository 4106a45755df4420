"""``rules list`` and ``rules explain``: the detector's rules as the rules file configures them.

Reads only the rules file (``AUDITLOG_RULES``, else the packaged defaults): no database. An
explanation carries an example finding, found by running the pure ``Judge`` over the 2017
incident day (``producers.scenario``) with the default rules; where the real day gives the rule
nothing to find, over that day with the one change that would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from auditlog.domain.detection import judge_all
from auditlog.domain.model import Actor, AdminAction, Target, new_event_id
from auditlog.domain.rules import BURST, RULES, Finding, Rule
from auditlog.domain.rules_config import RuleConfig, load_rules
from auditlog.domain.settings import Settings
from auditlog.producers.scenario import CULPRIT, EASTERN, PROTECTED_ACCOUNT, build


@dataclass(frozen=True)
class RulesListing:
    source: Path | None  # the rules file read over the defaults; None: the defaults alone
    rules: tuple[tuple[Rule, RuleConfig], ...]


@dataclass(frozen=True)
class RuleExplanation:
    rule: Rule
    config: RuleConfig
    source: Path | None
    example: Finding | None
    example_from: str  # what the example was judged over


def list_rules(settings: Settings) -> RulesListing:
    config = load_rules(settings.rules_file)
    return RulesListing(config.source, tuple((rule, config.rule(rule.id)) for rule in RULES.values()))


def explain_rule(settings: Settings, rule_id: str) -> RuleExplanation:
    config = load_rules(settings.rules_file)
    settings_of_rule = config.rule(rule_id)  # BadInput naming the known rules when unknown
    example, example_from = incident_example(rule_id)
    return RuleExplanation(RULES[rule_id], settings_of_rule, config.source, example, example_from)


def incident_example(rule_id: str) -> tuple[Finding | None, str]:
    """A finding of ``rule_id`` on the incident day, with the default rules."""
    events, told = _incident_day(rule_id)
    found = [f for f in judge_all(load_rules(None), events)
             if f.rule == rule_id and CULPRIT in (f.actor_id, f.summary.split(" ", 1)[0])
             or f.rule == rule_id and f.target_id == PROTECTED_ACCOUNT]
    # best: the incident itself (the culprit and the account), then the account, then the culprit
    found.sort(key=lambda f: (not (f.target_id == PROTECTED_ACCOUNT and CULPRIT in f.summary),
                              f.target_id != PROTECTED_ACCOUNT))
    return next(iter(found), None), told


def _incident_day(rule_id: str) -> tuple[list[AdminAction], str]:
    events = list(build().events)
    if rule_id == BURST:
        culprit = Actor(CULPRIT, "contractor", display_name="Contractor VB07", org="vendor-b", team="customer-support")
        start = datetime(2017, 11, 2, 18, 40, tzinfo=EASTERN)
        events += [AdminAction(new_event_id(), start + timedelta(seconds=50 * n), culprit, "content.delete",
                               Target("content", f"post-burst-{n:02d}"), reason="spam")
                   for n in range(11)]
        events.sort(key=lambda e: e.occurred_at)
        return events, "the 2017 incident day, had the culprit deleted 11 posts between 18:40 and 18:49"
    return events, "the 2017 incident day (producers.scenario)"
