"""``auditlog schemas check``: every schema version of the event contract reads every other's data."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, print_lines


def register(sub: Subparsers) -> None:
    schemas = sub.add_parser("schemas", help="the event contract's schema versions")
    schemas_sub = schemas.add_subparsers(dest="schemas_command", required=True, metavar="ACTION")
    check = schemas_sub.add_parser(
        "check", help="prove every schema version can read every other's data",
        description="Check every shipped schema version (and --candidate, a proposed new .avsc) "
        "against the Avro resolution rules in both directions: new readers read old data, old "
        "readers read new data. Exit 1 and one line per problem if any pair is incompatible.")
    check.add_argument("--candidate", help="a proposed new schema file to check against all versions")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.contract import check_schemas

    answer = check_schemas(Path(args.candidate) if args.candidate else None)
    if args.json:
        print(json.document(json.schema_check(answer)))
    else:
        print_lines(text.schema_check(answer))
    return 0 if answer.ok else 1
