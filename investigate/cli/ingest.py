"""``auditlog ingest``: run the ledger writer (consume the topic, append every event exactly once)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, print_lines, whole_number
from auditlog.investigate.cli._service import service_options, serving

if TYPE_CHECKING:
    from auditlog.consumers.lanes import Tally


def register(sub: Subparsers) -> None:
    ingest = command(sub, "ingest", "run the ledger writer",
                     "Consume the topic and append every event exactly once "
                     "to the ledger; bad messages go to the `rejected` table. Stops cleanly "
                     "on SIGTERM or Ctrl-C after committing the current batch.",
                     ("auditlog ingest                 # run until stopped",
                      "auditlog ingest --until-idle    # drain the topic, then exit",
                      "auditlog ingest --metrics-port 9100 --log-format json"))
    ingest.add_argument("--until-idle", action="store_true",
                        help="exit once every assigned partition is caught up")
    ingest.add_argument("--decoders", type=whole_number, default=1, metavar="N",
                        help="child processes that decode messages while the writer appends "
                        "(default 1; 0 decodes in the writer's own process, for a one-core machine)")
    service_options(ingest)
    ingest.set_defaults(handler=run_ingest)


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.consumers.ingest import ingest
    from auditlog.investigate.render import text

    tally = ingest(settings, until_idle=args.until_idle, decoders=args.decoders, on_batch=_batch_reporter(),
                   serving=serving(args, settings))
    print_lines(text.ingested(tally))
    return 0


def _batch_reporter() -> Callable[[Tally], None] | None:
    """A running count on a terminal; nothing in logs."""
    if not sys.stderr.isatty():
        return None
    from auditlog.investigate.render import text

    def report(tally: Tally) -> None:
        sys.stderr.write(text.ingest_progress(tally))
        sys.stderr.flush()

    return report
