"""``auditlog state``, ``who``, ``timeline``, ``diff`` and ``actor``: the investigator's questions.

Each handler reads its times (an offset, or ``--tz``), calls one use case
(``auditlog.investigate.usecases.history``) and renders the answer as a table or as JSON.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, tzinfo

from auditlog.domain.catalog import ACTIONS, ActorKind
from auditlog.domain.errors import BadInput
from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, display_options, open_ledger, show
from auditlog.investigate.cli._reads import case_option, known_at_option, recorder
from auditlog.investigate.times import parse_time, zone


def register(sub: Subparsers) -> None:
    state = command(sub, "state", "an account's state at a time",
                    "Fold the account's events with occurred_at <= --at "
                    "(and recorded_at <= --known-at when given). --known-at answers what the ledger knew "
                    "then: an event reported late is left out until the time it was recorded.",
                    ("auditlog state acct-hos-0001 --at 2017-11-02T19:00 --tz America/New_York",
                     "auditlog state acct-hos-0001 --at 2017-11-02T19:10-04:00 --known-at 2017-11-02T23:05:00Z --json"))
    state.add_argument("account", help="the account's id, e.g. acct-hos-0001")
    state.add_argument("--at", required=True, metavar="TIME", help="event time to reconstruct")
    known_at_option(state)
    case_option(state)
    display_options(state)
    state.set_defaults(handler=run_state)

    who = command(sub, "who", "who did what, when",
                  "Events matching every filter given, in event-time order, "
                  "a page at a time. A page that is not the last ends with the cursor to pass as --after "
                  "for the next one (in --json: \"next\").",
                  ("auditlog who --target acct-hos-0001 --action account.deactivate --tz America/New_York",
                   "auditlog who --actor c-vb-07 --from 2017-11-02T00:00-04:00 --to 2017-11-02T23:59:59-04:00",
                   "auditlog who --actor-kind contractor --org vendor-b --limit 20 --json",
                   "auditlog who --actor-kind contractor --org vendor-b --limit 20 --json --after CURSOR"))
    who.add_argument("--actor", help="id of who performed the action")
    who.add_argument("--actor-kind", choices=[k.value for k in ActorKind], help="what kind of actor")
    who.add_argument("--org", help="employer or vendor of the actor")
    who.add_argument("--target", help="id of the account, actor or content acted on")
    who.add_argument("--action", choices=sorted(ACTIONS), metavar="ACTION",
                     help="an action of the catalog, e.g. account.deactivate (see `auditlog emit --help`)")
    who.add_argument("--from", dest="start", metavar="TIME", help="occurred_at >= this time")
    who.add_argument("--to", dest="end", metavar="TIME", help="occurred_at <= this time")
    who.add_argument("--limit", type=int, default=100, metavar="N", help="rows per page (default 100)")
    who.add_argument("--after", metavar="CURSOR", help="cursor printed at the end of the previous page")
    known_at_option(who)
    case_option(who)
    display_options(who)
    who.set_defaults(handler=run_who)

    timeline = command(sub, "timeline", "an account's events and the status intervals they produce",
                       "Every event about the account in the window, what each "
                       "changed, and each stretch it spent deactivated or suspended.",
                       ("auditlog timeline acct-hos-0001 --from 2017-11-02T18:00 --to 2017-11-02T20:00 "
                        "--tz America/New_York",
                        "auditlog timeline acct-hos-0001 --json"))
    timeline.add_argument("account", help="the account's id")
    timeline.add_argument("--from", dest="start", metavar="TIME",
                          help="occurred_at >= this time (default: the beginning)")
    timeline.add_argument("--to", dest="end", metavar="TIME", help="occurred_at <= this time (default: now)")
    known_at_option(timeline)
    case_option(timeline)
    display_options(timeline)
    timeline.set_defaults(handler=run_timeline)

    diff = command(sub, "diff", "what changed on an account between two times",
                   "Every field that differs between state at T1 and state at T2, "
                   "or changed and changed back, with the events and actors behind it.",
                   ("auditlog diff acct-hos-0001 2017-11-02T18:45-04:00 2017-11-02T19:15-04:00",
                    "auditlog diff acct-hos-0001 2017-11-02T18:45 2017-11-02T19:00 --tz America/New_York --json"))
    diff.add_argument("account", help="the account's id")
    diff.add_argument("t1", metavar="T1", help="the earlier time")
    diff.add_argument("t2", metavar="T2", help="the later time")
    known_at_option(diff)
    case_option(diff)
    display_options(diff)
    diff.set_defaults(handler=run_diff, field_names={"t1": "T1", "t2": "T2"})

    actor = command(sub, "actor", "everything an actor did, with their state at each moment",
                    "Each action by the actor, with whether they were still engaged "
                    "and which roles they held when they did it.",
                    ("auditlog actor c-vb-07 --on 2017-11-02 --tz America/New_York",
                     "auditlog actor e-ts-03 --json"))
    actor.add_argument("actor", help="the actor's id, e.g. c-vb-07")
    actor.add_argument("--on", metavar="DAY", help="one day, YYYY-MM-DD, in the --tz zone (so --tz is required)")
    actor.add_argument("--from", dest="start", metavar="TIME", help="or: occurred_at >= this time")
    actor.add_argument("--to", dest="end", metavar="TIME", help="... and occurred_at <= this time")
    known_at_option(actor)
    case_option(actor)
    display_options(actor)
    actor.set_defaults(handler=run_actor)


def run_state(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.history import StateQuery, state_at

    tz = zone(args.tz)
    query = StateQuery(args.account, parse_time(args.at, tz, "--at"),
                       parse_time(args.known_at, tz, "--known-at") if args.known_at else None)
    with open_ledger(settings) as ledger:
        on_record = recorder(ledger, settings, args, "state", account=args.account, at=args.at,
                             known_at=args.known_at)
        answer = state_at(ledger, query, on_record)
    return show(args, json.state_answer, text.state_answer, answer, tz)


def run_who(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.history import WhoQuery, who

    tz = zone(args.tz)
    query = WhoQuery(actor=args.actor, actor_kind=args.actor_kind, org=args.org, target=args.target,
                     action=args.action,
                     start=parse_time(args.start, tz, "--from") if args.start else None,
                     end=parse_time(args.end, tz, "--to") if args.end else None,
                     limit=args.limit, after=args.after, known_at=_known(args, tz))
    with open_ledger(settings) as ledger:
        on_record = recorder(ledger, settings, args, "who", actor=args.actor, actor_kind=args.actor_kind,
                             org=args.org, target=args.target, action=args.action, start=args.start, end=args.end,
                             limit=args.limit, after=args.after, known_at=args.known_at)
        page = who(ledger, query, on_record)
    return show(args, json.who_page, text.who_page, page, tz)


def run_timeline(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.history import TimelineQuery, timeline

    tz = zone(args.tz)
    query = TimelineQuery(args.account, parse_time(args.start, tz, "--from") if args.start else None,
                          parse_time(args.end, tz, "--to") if args.end else None, _known(args, tz))
    with open_ledger(settings) as ledger:
        on_record = recorder(ledger, settings, args, "timeline", account=args.account, start=args.start,
                             end=args.end, known_at=args.known_at)
        answer = timeline(ledger, query, on_record)
    return show(args, json.timeline, text.timeline, answer, tz)


def run_diff(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.history import DiffQuery, diff

    tz = zone(args.tz)
    query = DiffQuery(args.account, parse_time(args.t1, tz, "T1"), parse_time(args.t2, tz, "T2"), _known(args, tz))
    with open_ledger(settings) as ledger:
        on_record = recorder(ledger, settings, args, "diff", account=args.account, t1=args.t1, t2=args.t2,
                             known_at=args.known_at)
        answer = diff(ledger, query, on_record)
    return show(args, json.diff, text.diff, answer, tz)


def run_actor(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.history import ActorQuery, actor_day

    tz = zone(args.tz)
    query = ActorQuery(args.actor, _day(args.on) if args.on else None, tz,
                       parse_time(args.start, tz, "--from") if args.start else None,
                       parse_time(args.end, tz, "--to") if args.end else None, _known(args, tz))
    with open_ledger(settings) as ledger:
        on_record = recorder(ledger, settings, args, "actor", actor=args.actor, on=args.on, start=args.start,
                             end=args.end, known_at=args.known_at)
        answer = actor_day(ledger, query, on_record)
    return show(args, json.actor_day, text.actor_day, answer, tz)


def _known(args: argparse.Namespace, tz: tzinfo | None) -> datetime | None:
    return parse_time(args.known_at, tz, "--known-at") if args.known_at else None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadInput(f"--on: {text!r} is not a date like 2017-11-02") from exc
