"""The ``auditlog`` command line: parse, dispatch, and turn errors into exit codes.

Exit 0 on success, 1 when a check fails or a service is unreachable, 2 on bad
input; every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import sys

from domain.catalog import ACTIONS, ActorKind
from domain.errors import AuditError, BadInput, ConfigError, InvalidEvent

EPILOG = """\
times: ISO-8601 with an offset (2017-11-02T18:58:00-04:00 or ...Z). A time without
an offset is read in --tz, and refused when --tz is not given.
configuration: DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS from the environment,
else from .env (written by `make up`).

examples:
  auditlog demo
  auditlog state acct-hos-0001 --at 2017-11-02T19:00 --tz America/New_York
  auditlog who --target acct-hos-0001 --action account.deactivate --json
  auditlog who --actor c-vb-07 --from 2017-11-02T00:00-04:00 --to 2017-11-03T00:00-04:00
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditlog",
        description="Event-sourced, tamper-evident audit log of admin actions: emit them to "
        "Kafka, ingest them exactly once into the Postgres ledger, and ask who did what, when.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="ledger database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("migrate", help="create or update the ledger tables (safe to repeat)")

    emit = sub.add_parser("emit", help="emit one admin action to Kafka",
                          description="Validate one admin action, encode it (Avro) and send it "
                          "to the topic with acks=all. Prints its event id, partition and offset.")
    emit.add_argument("--actor", required=True, help="id of who performed the action")
    emit.add_argument("--actor-kind", required=True, choices=[k.value for k in ActorKind])
    emit.add_argument("--actor-org", help="employer or vendor of the actor")
    emit.add_argument("--action", required=True, choices=sorted(ACTIONS), metavar="ACTION",
                      help="one of: " + ", ".join(sorted(ACTIONS)))
    emit.add_argument("--target", required=True, help="id of the account, actor or content acted on")
    emit.add_argument("--handle", help="the target's handle, e.g. @someone")
    emit.add_argument("--at", help="when it happened (default: now)")
    emit.add_argument("--reason")
    emit.add_argument("--ticket")
    emit.add_argument("--tz", help="zone for --at without an offset, e.g. America/New_York")

    ingest = sub.add_parser("ingest", help="run the ledger writer",
                            description="Consume the topic and append every event exactly once "
                            "to the ledger; bad messages go to the `rejected` table. Stops cleanly "
                            "on SIGTERM or Ctrl-C after committing the current batch.")
    ingest.add_argument("--until-idle", action="store_true",
                        help="exit once every assigned partition is caught up")

    state = sub.add_parser("state", help="an account's state at a time",
                           description="Fold the account's events with occurred_at <= --at "
                           "(and recorded_at <= --known-at when given).")
    state.add_argument("account")
    state.add_argument("--at", required=True, help="event time to reconstruct")
    state.add_argument("--known-at", help="only what the ledger had recorded by then")
    _display_options(state)

    who = sub.add_parser("who", help="who did what, when",
                         description="Events matching every filter given, in event-time order, "
                         "a page at a time.")
    who.add_argument("--actor")
    who.add_argument("--target")
    who.add_argument("--action", choices=sorted(ACTIONS), metavar="ACTION")
    who.add_argument("--from", dest="start", help="occurred_at >= this time")
    who.add_argument("--to", dest="end", help="occurred_at <= this time")
    who.add_argument("--limit", type=int, default=100, help="rows per page (default 100)")
    who.add_argument("--after", help="cursor printed at the end of the previous page")
    _display_options(who)

    verify = sub.add_parser("verify", help="check the hash chains and signed checkpoints",
                            description="Recompute every partition's hash chain and check every signed "
                            "checkpoint (from the database and the export file). Names the first bad row "
                            "(partition, seq, expected vs found) or checkpoint. Exit 1 if anything is wrong.")
    verify.add_argument("--json", action="store_true",
                        help='print {"ok": bool, "events": n, "first_bad": {...} | null, ...}')

    keys = sub.add_parser("keys", help="checkpoint signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys_sub.add_parser("init", help="make a development Ed25519 key at AUDITLOG_SIGNING_KEY (and .pub)")

    sub.add_parser("checkpoint", help="sign a checkpoint of the chain heads now",
                   description="Sign the current head and length of every chain, store the checkpoint "
                   "and append it to AUDITLOG_CHECKPOINT_EXPORT (the writer also does this by itself).")

    sub.add_parser("demo", help="the incident day, emitted, ingested and investigated",
                   description="Emit a realistic day of admin actions containing the 2017-11-02 "
                   "incident, ingest it, and answer the investigator's questions from the ledger.")
    return parser


def _display_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--tz", help="display zone, and zone for times without an offset")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from investigate import commands  # after parsing: --help stays fast

    try:
        return commands.run(args)
    except (BadInput, InvalidEvent, ConfigError) as exc:
        print(f"auditlog: {exc.reason}", file=sys.stderr)
        return 2
    except AuditError as exc:
        print(f"auditlog: {exc.reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
