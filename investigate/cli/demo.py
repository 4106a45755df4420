"""``auditlog demo``: the incident day, emitted, ingested and investigated."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command


def register(sub: Subparsers) -> None:
    demo = command(sub, "demo", "the incident day, emitted, ingested and investigated",
                   "Emit a realistic day of admin actions containing the 2017-11-02 "
                   "incident, ingest it, and answer the investigator's questions from the ledger. Run "
                   "again, it finds the day already in the ledger and only answers.",
                   ("auditlog demo",
                    "make run         # the same, after setting up the venv and the local services"))
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.demo import run_demo

    return run_demo(settings)
