"""What each ``auditlog`` subcommand does, given parsed arguments."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from auditlog.consumers.ingest import ingest
from auditlog.consumers.lanes import Tally
from auditlog.domain.errors import BadInput
from auditlog.domain.settings import Settings
from auditlog.investigate import contract_commands, history_commands, integrity_commands, render
from auditlog.investigate.times import parse_time, show, zone
from auditlog.ledger.db import connect
from auditlog.ledger.migrate import migrate
from auditlog.ledger.read import WhoFilter, who
from auditlog.ledger.roles import READER
from auditlog.ledger.state import state_at


def run(args: argparse.Namespace) -> int:
    settings = Settings.load()
    handler = {
        "db": cmd_db,
        "emit": contract_commands.cmd_emit,
        "schemas": contract_commands.cmd_schemas,
        "ingest": cmd_ingest,
        "state": cmd_state,
        "who": cmd_who,
        "demo": cmd_demo,
        "timeline": history_commands.cmd_timeline,
        "diff": history_commands.cmd_diff,
        "actor": history_commands.cmd_actor,
        "snapshot": history_commands.cmd_snapshot,
        "verify": integrity_commands.cmd_verify,
        "keys": integrity_commands.cmd_keys,
        "checkpoint": integrity_commands.cmd_checkpoint,
    }[args.command]
    return handler(args, settings)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    with connect(settings.require_database()) as conn:
        applied = migrate(conn)
    if applied:
        for m in applied:
            print(f"applied {m.version:03d}_{m.name}")
    else:
        print("ledger schema is up to date")
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    stats = ingest(settings, until_idle=args.until_idle, decoders=args.decoders, on_batch=_batch_reporter())
    print(f"ingested {stats.appended} events, {stats.duplicates} duplicates skipped, "
          f"{stats.rejected} rejected, in {stats.batches} batches")
    return 0


def _batch_reporter() -> Any:
    if not sys.stderr.isatty():
        return None

    def report(stats: Tally) -> None:
        sys.stderr.write(f"\ringested {stats.appended}  rejected {stats.rejected}  "
                         f"duplicates {stats.duplicates}")
        sys.stderr.flush()

    return report


def cmd_state(args: argparse.Namespace, settings: Settings) -> int:
    tz = zone(args.tz)
    at = parse_time(args.at, tz, "--at")
    known_at = parse_time(args.known_at, tz, "--known-at") if args.known_at else None
    with connect(settings.require_database(), role=READER) as conn:
        state = state_at(conn, args.account, at, known_at)
    if args.json:
        render.emit_json(render.state_json(state, at, known_at, tz))
    else:
        clock = f" as known at {show(known_at, tz)}" if known_at else ""
        print(f"{args.account} at {show(at, tz)}{clock}")
        for line in render.state_lines(state, tz):
            print(f"  {line}")
    return 0


def cmd_who(args: argparse.Namespace, settings: Settings) -> int:
    tz = zone(args.tz)
    if args.limit < 1:
        raise BadInput("--limit: must be at least 1")
    where = WhoFilter(
        actor=args.actor, actor_kind=args.actor_kind, org=args.org, target=args.target, action=args.action,
        start=parse_time(args.start, tz, "--from") if args.start else None,
        end=parse_time(args.end, tz, "--to") if args.end else None,
    )
    after = _parse_cursor(args.after) if args.after else None
    with connect(settings.require_database(), role=READER) as conn:
        rows = who(conn, where, limit=args.limit + 1, after=after)
    page, more = rows[: args.limit], len(rows) > args.limit
    cursor = _cursor(page[-1]) if more and page else None
    if args.json:
        render.emit_json({"events": [render.event_json(r, tz) for r in page], "next": cursor})
    else:
        render.table(render.EVENT_HEADERS, [render.event_row(r, tz) for r in page])
        print(f"({len(page)} events{'; more with --after ' + cursor if cursor else ''})")
    return 0


def _cursor(item: Any) -> str:
    return f"{item.event.occurred_at.isoformat()}~{item.seq}"


def _parse_cursor(text: str) -> tuple[datetime, int]:
    try:
        moment, seq = text.rsplit("~", 1)
        return datetime.fromisoformat(moment), int(seq)
    except ValueError as exc:
        raise BadInput(f"--after: {text!r} is not a cursor printed by a previous page") from exc


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.demo import run_demo

    return run_demo(settings)
