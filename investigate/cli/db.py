"""``auditlog db migrate``: create or update the ledger tables."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, open_ledger, print_lines


def register(sub: Subparsers) -> None:
    db = command(sub, "db", "ledger database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    migrate = command(
        db_sub, "migrate", "create or update the ledger tables (safe to repeat)",
        "Apply every numbered migration (ledger/migrations/NNN_name.sql) the ledger does not have yet, "
        "each in its own transaction, and create the roles auditlog_owner, auditlog_writer, "
        "auditlog_reader and auditlog_projector (once per server). Prints each migration applied. Needs "
        "a superuser, or a role with CREATEROLE that is a member of auditlog_owner.",
        ("auditlog db migrate",))
    migrate.set_defaults(handler=run_migrate)


def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.admin import migrate

    with open_ledger(settings) as ledger:
        answer = migrate(ledger)
    print_lines(text.migrated(answer))
    return 0
