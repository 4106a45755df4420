"""``auditlog lag``: how far behind the ledger writer and the feed consumers are."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, display_options, show


def register(sub: Subparsers) -> None:
    lag = command(sub, "lag", "how far behind the writer and the projections are",
                  "Per partition of the ingest topic: the high watermark (proven by a Fetch, never "
                  "ListOffsets), the ledger's next offset, the messages between and how long the oldest "
                  "has waited. Per feed consumer (the projections): its position against the feed's head, "
                  "in rows and seconds. Exit 0 whatever the lag: it is a measure, not a check.",
                  ("auditlog lag", "auditlog lag --json | jq .total"))
    display_options(lag)
    lag.set_defaults(handler=run_lag)


def run_lag(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import oncall
    from auditlog.investigate.times import zone
    from auditlog.investigate.usecases.lag import lag_now

    tz = zone(args.tz)
    return show(args, oncall.lag_json, oncall.lag_text, lag_now(settings), tz)
