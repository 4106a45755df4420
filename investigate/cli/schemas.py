"""``auditlog schemas check``: every schema version of the event contract reads every other's data."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, show


def register(sub: Subparsers) -> None:
    schemas = command(sub, "schemas", "the event contract's schema versions",
                      "The event contract: one Avro schema per version (schemas/admin_action.vN.avsc), "
                      "never edited once shipped; a change is a new version that must stay compatible both ways.")
    schemas_sub = schemas.add_subparsers(dest="schemas_command", required=True, metavar="ACTION")
    check = command(
        schemas_sub, "check", "prove every schema version can read every other's data",
        "Check every shipped schema version (and --candidate, a proposed new .avsc) "
        "against the Avro resolution rules in both directions: new readers read old data, old "
        "readers read new data. Exit 1 and one line per problem if any pair is incompatible.",
        ("auditlog schemas check", "auditlog schemas check --candidate admin_action.v3.avsc --json"))
    check.add_argument("--candidate", help="a proposed new schema file to check against all versions")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.contract import check_schemas

    answer = check_schemas(Path(args.candidate) if args.candidate else None)
    show(args, json.schema_check, text.schema_check, answer)
    return 0 if answer.ok else 1
