"""``auditlog rejected list|show|redrive``: the messages the writer could not accept."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, display_options, open_ledger, show, whole_number


def register(sub: Subparsers) -> None:
    group = command(sub, "rejected", "list, inspect and re-drive rejected messages",
                    "Messages the ledger writer could not accept are kept, bytes and all, in `rejected`, "
                    "never changed. A re-drive decodes them again with today's schemas and rules; what is "
                    "now accepted becomes an event exactly once (deduplicated by event_id) and its "
                    "resolution is recorded beside it, append-only.",
                    ("auditlog rejected list --reason schema",
                     "auditlog rejected show 42",
                     "auditlog rejected redrive --all --dry-run",
                     "auditlog rejected redrive --id 42"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="rejected messages, oldest first")
    listing.add_argument("--reason", help="only those whose reason contains this (any case)")
    listing.add_argument("--from", dest="start", metavar="TIME", help="received at or after")
    listing.add_argument("--to", dest="end", metavar="TIME", help="received at or before")
    listing.add_argument("--after", type=whole_number, metavar="ID", help="the page after this id")
    listing.add_argument("--limit", type=whole_number, default=100, metavar="N", help="rows a page (default 100)")
    display_options(listing)
    listing.set_defaults(handler=run_list)
    one = actions.add_parser("show", help="one message: hex dump, reason, coordinates, today's decoder")
    one.add_argument("id", type=whole_number, metavar="ID")
    display_options(one)
    one.set_defaults(handler=run_show)
    redrive = actions.add_parser("redrive", help="decode again and append what is now accepted")
    which = redrive.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=whole_number, action="append", dest="ids", metavar="ID", help="this one (repeat)")
    which.add_argument("--reason", help="those whose reason contains this")
    which.add_argument("--all", action="store_true", help="every unresolved one")
    redrive.add_argument("--dry-run", action="store_true", help="say what would happen, append nothing")
    display_options(redrive)
    redrive.set_defaults(handler=run_redrive)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import oncall
    from auditlog.investigate.times import parse_time, zone

    tz = zone(args.tz)
    start = parse_time(args.start, tz, "--from") if args.start else None
    end = parse_time(args.end, tz, "--to") if args.end else None
    with open_ledger(settings) as ledger, ledger.reading() as unit:
        rows = unit.rejected_rows(reason=args.reason, start=start, end=end, after=args.after, limit=args.limit)
    return show(args, oncall.rejected_list_json, oncall.rejected_list_text, rows, tz)


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.consumers.redrive import today_says
    from auditlog.domain.errors import BadInput
    from auditlog.investigate.render import oncall
    from auditlog.investigate.times import zone

    tz = zone(args.tz)
    with open_ledger(settings) as ledger, ledger.reading() as unit:
        message = unit.rejected_message(args.id)
    if message is None:
        raise BadInput(f"no rejected message with id {args.id} (see `auditlog rejected list`)")
    return show(args, oncall.rejected_show_json, oncall.rejected_show_text, message, today_says(message), tz)


def run_redrive(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.consumers.redrive import redrive
    from auditlog.investigate.progress import Progress
    from auditlog.investigate.render import oncall

    with open_ledger(settings) as ledger, Progress("re-driving", None) as bar:
        outcomes = redrive(ledger, ids=args.ids, reason=args.reason, dry_run=args.dry_run, progress=bar.advance)
    return show(args, oncall.redrive_json, oncall.redrive_text, outcomes, args.dry_run)
