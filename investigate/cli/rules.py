"""``auditlog rules list|explain``: the detector's rules as the rules file sets them. Reads the file
only (AUDITLOG_RULES, else the packaged defaults): no database, no broker."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, display_options, show


def register(sub: Subparsers) -> None:
    group = command(sub, "rules", "the detector's rules: list them, explain one",
                    "The detector (`auditlog detect`) judges every event of the ledger feed with six "
                    "rules. Their thresholds, severities, enabling and allowlists come from a TOML file: "
                    "AUDITLOG_RULES names it, and it needs only the keys it changes (every other key "
                    "keeps the packaged default). A bad file is refused with a one-line reason naming "
                    "the file, the rule and the key.",
                    ("auditlog rules list",
                     "AUDITLOG_RULES=my-rules.toml auditlog rules list --json",
                     "auditlog rules explain quick-reversal --tz America/New_York"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every rule: enabled, severity, thresholds, allowlist sizes",
                                 description="Every rule with its settings as the rules file makes them, "
                                 "and which file was read.")
    display_options(listing)
    listing.set_defaults(handler=run_list)
    explain = actions.add_parser("explain", help="what one rule looks for, its settings, an example",
                                 description="What RULE looks for, why it matters, its settings, and a "
                                 "finding it raises on the 2017 incident day.")
    explain.add_argument("rule", metavar="RULE", help="a rule id, as `auditlog rules list` shows")
    display_options(explain)
    explain.set_defaults(handler=run_explain)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import rules
    from auditlog.investigate.times import zone
    from auditlog.investigate.usecases.rules import list_rules

    return show(args, rules.rules_list_json, rules.rules_list_text, list_rules(settings), zone(args.tz))


def run_explain(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import rules
    from auditlog.investigate.times import zone
    from auditlog.investigate.usecases.rules import explain_rule

    tz = zone(args.tz)
    return show(args, rules.rule_explain_json, rules.rule_explain_text, explain_rule(settings, args.rule), tz)
