"""``auditlog snapshot``: store accounts' folded state every N events, so ``state`` starts near its answer."""

from __future__ import annotations

import argparse

from auditlog.domain.account import SNAPSHOT_EVERY
from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, open_ledger, print_lines


def register(sub: Subparsers) -> None:
    snapshot = command(sub, "snapshot", "write account snapshots (makes `state` fast)",
                       "Fold accounts' histories and store their state every N "
                       "events; snapshots stale after late events are replaced. Answers never depend on "
                       "snapshots being fresh, only speed does: run it after ingest, or on a timer.",
                       ("auditlog snapshot", "auditlog snapshot acct-hos-0001 --every 10"))
    snapshot.add_argument("accounts", nargs="*", help="accounts to refresh (default: every account "
                          "with at least N events)")
    snapshot.add_argument("--every", type=int, default=SNAPSHOT_EVERY, metavar="N",
                          help=f"events between snapshots (default {SNAPSHOT_EVERY})")
    snapshot.set_defaults(handler=run_snapshot)


def run_snapshot(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.snapshots import SnapshotQuery, write_snapshots

    query = SnapshotQuery(tuple(args.accounts), args.every)
    with open_ledger(settings) as ledger:
        answer = write_snapshots(ledger, query)
    print_lines(text.snapshots_written(answer))
    return 0
