"""The ``auditlog`` command line: parse, dispatch, and turn errors into exit codes.

Exit 0 on success, 1 when a check fails or a service is unreachable, 2 on bad
input; every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import sys

from auditlog.domain.catalog import ACTIONS, ActorKind
from auditlog.domain.errors import AuditError, BadInput, ConfigError, InvalidEvent

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
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="ledger database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("migrate", help="create or update the ledger tables (safe to repeat)")

    emit = sub.add_parser(
        "emit", help="emit one admin action, or a file of them, to Kafka",
        description="Validate admin actions, encode them (Avro single-object encoding) and send "
        "them to the topic with acks=all. One event from the flags (prints its event id, partition "
        "and offset), or --file with one JSON event per line, e.g.\n"
        '  {"actor": {"id": "c-17", "kind": "contractor"}, "action": "account.deactivate",\n'
        '   "target": {"type": "account", "id": "a-1"}, "occurred_at": "2017-11-02T22:58:02Z",\n'
        '   "reason": "user report"}\n'
        "Field names are the schema's (schemas/admin_action.v2.avsc); event_id is made when absent. "
        "Bad lines are reported by number and the good ones still sent; exit 2 if any was refused.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    emit.add_argument("--file", help="JSON-lines file of events ('-' for standard input)")
    emit.add_argument("--actor", help="id of who performed the action")
    emit.add_argument("--actor-kind", choices=[k.value for k in ActorKind])
    emit.add_argument("--actor-org", help="employer or vendor of the actor")
    emit.add_argument("--action", choices=sorted(ACTIONS), metavar="ACTION",
                      help="one of: " + ", ".join(sorted(ACTIONS)))
    emit.add_argument("--target", help="id of the account, actor or content acted on")
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
    ingest.add_argument("--decoders", type=_count, default=1, metavar="N",
                        help="child processes that decode messages while the writer appends "
                        "(default 1; 0 decodes in the writer's own process, for a one-core machine)")

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
    who.add_argument("--actor-kind", choices=[k.value for k in ActorKind])
    who.add_argument("--org", help="employer or vendor of the actor")
    who.add_argument("--target")
    who.add_argument("--action", choices=sorted(ACTIONS), metavar="ACTION")
    who.add_argument("--from", dest="start", help="occurred_at >= this time")
    who.add_argument("--to", dest="end", help="occurred_at <= this time")
    who.add_argument("--limit", type=int, default=100, help="rows per page (default 100)")
    who.add_argument("--after", help="cursor printed at the end of the previous page")
    _display_options(who)

    schemas = sub.add_parser("schemas", help="the event contract's schema versions")
    schemas_sub = schemas.add_subparsers(dest="schemas_command", required=True, metavar="ACTION")
    check = schemas_sub.add_parser(
        "check", help="prove every schema version can read every other's data",
        description="Check every shipped schema version (and --candidate, a proposed new .avsc) "
        "against the Avro resolution rules in both directions: new readers read old data, old "
        "readers read new data. Exit 1 and one line per problem if any pair is incompatible.")
    check.add_argument("--candidate", help="a proposed new schema file to check against all versions")
    check.add_argument("--json", action="store_true", help="machine-readable output")

    timeline = sub.add_parser("timeline", help="an account's events and the status intervals they produce",
                              description="Every event about the account in the window, what each "
                              "changed, and each stretch it spent deactivated or suspended.")
    timeline.add_argument("account")
    timeline.add_argument("--from", dest="start", help="occurred_at >= this time (default: the beginning)")
    timeline.add_argument("--to", dest="end", help="occurred_at <= this time (default: now)")
    _display_options(timeline)

    diff = sub.add_parser("diff", help="what changed on an account between two times",
                          description="Every field that differs between state at T1 and state at T2, "
                          "or changed and changed back, with the events and actors behind it.")
    diff.add_argument("account")
    diff.add_argument("t1", help="the earlier time")
    diff.add_argument("t2", help="the later time")
    _display_options(diff)

    actor = sub.add_parser("actor", help="everything an actor did, with their state at each moment",
                           description="Each action by the actor, with whether they were still engaged "
                           "and which roles they held when they did it.")
    actor.add_argument("actor")
    actor.add_argument("--on", help="one day, YYYY-MM-DD, in the --tz zone (so --tz is required)")
    _display_options(actor)

    snapshot = sub.add_parser("snapshot", help="write account snapshots (makes `state` fast)",
                              description="Fold accounts' histories and store their state every N "
                              "events; snapshots stale after late events are replaced.")
    snapshot.add_argument("accounts", nargs="*", help="accounts to refresh (default: every account "
                          "with at least N events)")
    snapshot.add_argument("--every", type=int, default=100, help="events between snapshots (default 100)")

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


def _count(text: str) -> int:
    """A whole number >= 0, or argparse's one-line error."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def _display_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--tz", help="display zone, and zone for times without an offset")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from auditlog.investigate import commands  # after parsing: --help stays fast

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
