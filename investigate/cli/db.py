"""``auditlog db migrate``: create or update the ledger tables."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, open_ledger, print_lines


def register(sub: Subparsers) -> None:
    db = sub.add_parser("db", help="ledger database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    migrate = db_sub.add_parser("migrate", help="create or update the ledger tables (safe to repeat)")
    migrate.set_defaults(handler=run_migrate)


def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.admin import migrate

    with open_ledger(settings) as ledger:
        answer = migrate(ledger)
    print_lines(text.migrated(answer))
    return 0
