"""``auditlog projections``, ``auditlog accounts``: the tables derived from the ledger feed, and
what they answer."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, display_options, open_ledger, print_lines, show
from auditlog.investigate.cli._service import service_options, serving


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)


def register(sub: Subparsers) -> None:
    group = command(sub, "projections", "keep, inspect and rebuild the projections (accounts_now, actors_now, "
                    "snapshots)",
                    "Projections are tables derived from the ledger feed, each kept by a projector that "
                    "stores its feed position with its effects (killed anywhere, it resumes to the same "
                    "result). A rebuild fills a new generation beside the live one and swaps it in at the "
                    "end: readers never see a half-built projection.",
                    ("auditlog projections run --metrics-port 9101     # keep them all up to date",
                     "auditlog projections status --json",
                     "auditlog projections rebuild accounts_now"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the projections and their live generation")
    display_options(listing)
    listing.set_defaults(handler=run_status)
    status = actions.add_parser("status", help="each projection's position, rows and lag behind the feed head")
    display_options(status)
    status.set_defaults(handler=run_status)
    rebuild = actions.add_parser("rebuild", help="rebuild one beside the live one, then swap it in",
                                 description="Build NAME again from the whole feed beside the live one, then "
                                 "make it live in one transaction. A rebuild that was killed resumes where it "
                                 "stopped; --restart throws it away.")
    rebuild.add_argument("name", metavar="NAME", help="accounts_now, actors_now or snapshots")
    rebuild.add_argument("--restart", action="store_true", help="begin again, dropping a killed rebuild's work")
    rebuild.add_argument("--batch", type=_positive, default=50_000, metavar="N",
                         help="feed rows a transaction (default 50000)")
    display_options(rebuild)
    rebuild.set_defaults(handler=run_rebuild)
    run = actions.add_parser("run", help="keep projections up to date from the feed (long-running)")
    run.add_argument("names", nargs="*", metavar="NAME", help="which (default: all)")
    run.add_argument("--until-idle", action="store_true", help="exit once every one has read the feed's head")
    run.add_argument("--batch", type=_positive, default=50_000, metavar="N",
                     help="feed rows a transaction (default 50000)")
    service_options(run)
    run.set_defaults(handler=run_projector)

    accounts = command(sub, "accounts", "accounts as they are now (from the accounts_now projection)",
                       "Every account's current status, protected flag and last change, as far as the "
                       "accounts_now projection has read the ledger (`auditlog projections status`).",
                       ("auditlog accounts --protected --status deactivated",
                        "auditlog accounts --status suspended --json"))
    accounts.add_argument("--protected", action="store_true", help="protected accounts only")
    accounts.add_argument("--status", help="active, deactivated or suspended")
    accounts.add_argument("--after", metavar="ACCOUNT", help="the page after this account")
    accounts.add_argument("--limit", type=_positive, default=1000, metavar="N", help="accounts a page (default 1000)")
    display_options(accounts)
    accounts.set_defaults(handler=run_accounts)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import oncall
    from auditlog.investigate.usecases.projections import projections_status

    with open_ledger(settings) as ledger:
        answer = projections_status(ledger)
    return show(args, oncall.projections_json, oncall.projections_text, answer)


def run_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.consumers.projector import rebuild
    from auditlog.investigate.progress import Progress
    from auditlog.investigate.render import oncall

    with Progress(f"rebuilding {args.name}", None) as bar:
        answer = rebuild(settings, args.name, batch=args.batch, restart=args.restart, progress=bar.advance)
    return show(args, oncall.rebuilt_json, oncall.rebuilt_text, answer)


def run_projector(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.consumers.projector import names_or_all, project
    from auditlog.investigate.render import oncall

    names = names_or_all(args.names)
    tally = project(settings, names, batch=args.batch, until_idle=args.until_idle,
                    serving=serving(args, settings))
    print_lines(oncall.projected_text(tally))
    return 0


def run_accounts(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import oncall
    from auditlog.investigate.times import zone
    from auditlog.investigate.usecases.projections import AccountsQuery, accounts_now

    tz = zone(args.tz)
    query = AccountsQuery(True if args.protected else None, args.status, args.after, args.limit)
    with open_ledger(settings) as ledger:
        page = accounts_now(ledger, query)
    return show(args, oncall.accounts_json, oncall.accounts_text, page, tz)
