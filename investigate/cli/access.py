"""``auditlog tokens`` (the API's bearer tokens) and ``auditlog reads`` (the reads log)."""

from __future__ import annotations

import argparse

from auditlog.domain.access import ROLES
from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, display_options, open_ledger, show, whole_number


def register(sub: Subparsers) -> None:
    tokens = command(sub, "tokens", "make, list and revoke the HTTP API's bearer tokens",
                     "A token has a role (investigator: events and state, each read with a case; oncall: lag and "
                     "verify; auditor: the reads log and verify; admin: tokens) and optional scopes "
                     "(org=ORG: events by that org's actors; account=ID: that account's state, timeline, diff and "
                     "events). Its text is printed once; the ledger keeps only its SHA-256.",
                     ("auditlog tokens create --role investigator --scope org=vendor-b --expires 7d --json",
                      "auditlog tokens list", "auditlog tokens revoke tok_3k1J0c9xQm2b"))
    actions = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="make a token and print it (once)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--scope", action="append", default=[], metavar="KIND=VALUE",
                        help="org=ORG or account=ID (repeatable; none: the whole ledger)")
    create.add_argument("--expires", default="30d", metavar="DURATION", help="30d, 12h, 90m (default 30d)")
    display_options(create)
    create.set_defaults(handler=run_create)
    listed = actions.add_parser("list", help="every token: id, role, scopes, expiry, revocation (never the secret)")
    display_options(listed)
    listed.set_defaults(handler=run_list)
    revoke = actions.add_parser("revoke", help="revoke a token (appended to the ledger; it is refused from now on)")
    revoke.add_argument("token_id", metavar="ID")
    revoke.set_defaults(handler=run_revoke)

    reads = command(sub, "reads", "the reads log: every read of ledger contents, who, for which case",
                    "Every read the API answered and every investigator command (state, who, timeline, diff, "
                    "actor) ran, recorded before it was answered, newest first.",
                    ("auditlog reads --case INC-2017-11-02", "auditlog reads --token tok_3k1J0c9xQm2b --json"))
    reads.add_argument("--case", metavar="ID", help="only reads for this case")
    reads.add_argument("--token", metavar="ID", help="only reads with this token")
    reads.add_argument("--from", dest="start", metavar="TIME", help="read at or after")
    reads.add_argument("--to", dest="end", metavar="TIME", help="read at or before")
    reads.add_argument("--limit", type=whole_number, default=100, metavar="N", help="rows per page (default 100)")
    reads.add_argument("--before", type=whole_number, metavar="SEQ", help="the page after one that ended at SEQ")
    display_options(reads)
    reads.set_defaults(handler=run_reads)


def _by() -> str:
    from auditlog.investigate.cli._reads import _user

    return f"cli:{_user()}"


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.domain.access import parse_duration, parse_role, parse_scopes
    from auditlog.investigate.render import access_text, json
    from auditlog.investigate.times import zone
    from auditlog.investigate.usecases.access import create_token

    role, scope, seconds = parse_role(args.role), parse_scopes(args.scope), parse_duration(args.expires)
    with open_ledger(settings) as ledger:
        made = create_token(ledger, role, scope, seconds, _by())
    return show(args, json.new_token, access_text.new_token, made, zone(args.tz))


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import access_text, json
    from auditlog.investigate.times import zone
    from auditlog.investigate.usecases.access import list_tokens

    with open_ledger(settings) as ledger:
        listed = list_tokens(ledger)
    return show(args, json.token_list, access_text.token_list, listed, zone(args.tz))


def run_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.usecases.access import revoke_token

    with open_ledger(settings) as ledger:
        now = revoke_token(ledger, args.token_id, _by())
    print(f"token {args.token_id} {'revoked' if now else 'was already revoked'}")
    return 0


def run_reads(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import access_text, json
    from auditlog.investigate.times import parse_time, zone
    from auditlog.investigate.usecases.access import ReadsQuery, list_reads

    tz = zone(args.tz)
    query = ReadsQuery(args.case, args.token, parse_time(args.start, tz, "--from") if args.start else None,
                       parse_time(args.end, tz, "--to") if args.end else None, args.limit, args.before)
    with open_ledger(settings) as ledger:
        page = list_reads(ledger, query)
    return show(args, json.reads_page, access_text.reads_page, page, tz)
