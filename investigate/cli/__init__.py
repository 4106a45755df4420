"""The ``auditlog`` command line: parse, dispatch, and turn errors into exit codes.

Exit 0 on success, 1 when a check fails or a service is unreachable, 2 on bad
input; every error is one line on stderr. Each command group is a module with a
``register(subparsers)`` that adds its commands and their handlers; a handler
parses its input, calls one use case (``auditlog.investigate.usecases``) and
renders the answer (``auditlog.investigate.render``). Handlers import the ledger,
Kafka and the use cases only when they run, so ``auditlog --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from auditlog.domain.errors import AuditError, BadInput, ConfigError, InvalidEvent
from auditlog.domain.settings import Settings
from auditlog.investigate.cli import (
    access,
    db,
    demo,
    emit,
    evidence,
    history,
    ingest,
    integrity,
    lag,
    projections,
    rejected,
    replay,
    schemas,
    snapshot,
)
from auditlog.investigate.cli._options import HelpText

# the order of `auditlog --help`
GROUPS = (db, emit, schemas, ingest, history, snapshot, integrity, evidence, demo, projections, lag, rejected, replay,
          access)

EPILOG = """\
times: ISO-8601 with an offset (2017-11-02T18:58:00-04:00 or ...Z). A time without
an offset is read in --tz, and refused when --tz is not given.

configuration: DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS from the environment,
else from .env (written by `make up`).

exit status: 0 done, 1 a check failed or a service cannot be reached, 2 bad input;
the reason is one line on standard error. `auditlog COMMAND --help` explains each command.

examples:
  auditlog demo
  auditlog state acct-hos-0001 --at 2017-11-02T19:00 --tz America/New_York
  auditlog who --target acct-hos-0001 --action account.deactivate --json
  auditlog who --actor c-vb-07 --from 2017-11-02T00:00-04:00 --to 2017-11-03T00:00-04:00
  auditlog timeline acct-hos-0001 --from 2017-11-02T18:00-04:00 --to 2017-11-02T20:00-04:00
  auditlog diff acct-hos-0001 2017-11-02T18:45-04:00 2017-11-02T19:15-04:00
  auditlog actor c-vb-07 --on 2017-11-02 --tz America/New_York
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditlog",
        description="Event-sourced, tamper-evident audit log of admin actions: emit them to "
        "Kafka, ingest them exactly once into the Postgres ledger, and ask who did what, when.",
        epilog=EPILOG,
        formatter_class=HelpText,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from auditlog.investigate.usecases.refusals import Refused

    try:
        return int(args.handler(args, Settings.load()))
    except Refused as exc:  # a use case names its query's fields: say them as this command's flags
        names: dict[str, str] = getattr(args, "field_names", {})
        reason = exc.worded(lambda field: names.get(field, "--" + field.replace("_", "-")))
        print(f"auditlog: {reason}", file=sys.stderr)
        return 2
    except (BadInput, InvalidEvent, ConfigError) as exc:
        print(f"auditlog: {exc.reason}", file=sys.stderr)
        return 2
    except AuditError as exc:
        print(f"auditlog: {exc.reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
