"""``auditlog timeline``, ``diff``, ``actor`` and ``snapshot``: an account's or an actor's history.

Every answer is computed from the ledger: the state before a window comes from
``ledger.state.state_at`` (snapshots), the events in it from ``who``, and what
each event did from the pure fold in ``domain.history``.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from auditlog.domain.account import AccountState
from auditlog.domain.actor import fold_actor, states_along
from auditlog.domain.errors import BadInput
from auditlog.domain.history import diff, status_intervals, steps
from auditlog.domain.settings import Settings
from auditlog.investigate import history_render as out
from auditlog.investigate.times import parse_time, zone
from auditlog.ledger.db import connect
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.read import WhoFilter, who_all
from auditlog.ledger.roles import READER
from auditlog.ledger.state import history, state_at

_TICK = timedelta(microseconds=1)  # Postgres keeps microseconds: "before T" is "at T - 1us"


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    tz = zone(args.tz)
    start = parse_time(args.start, tz, "--from") if args.start else None
    end = parse_time(args.end, tz, "--to") if args.end else datetime.now(UTC)
    _in_order(start, end, "--from", "--to")
    with connect(settings.require_database(), role=READER) as conn:
        before = state_at(conn, args.account, start - _TICK) if start else AccountState(args.account)
        events = who_all(conn, WhoFilter(target=args.account, start=start, end=end))
    by_id = {item.event.event_id: item for item in events}
    history_steps = steps(before, (item.event for item in events))
    intervals = status_intervals(before, history_steps)
    if args.json:
        out.emit_json(out.timeline_json(args.account, start, end, before, history_steps, by_id, intervals, tz))
    else:
        out.timeline_text(args.account, start, end, before, history_steps, by_id, intervals, tz)
    return 0


def cmd_diff(args: argparse.Namespace, settings: Settings) -> int:
    tz = zone(args.tz)
    t1, t2 = parse_time(args.t1, tz, "T1"), parse_time(args.t2, tz, "T2")
    _in_order(t1, t2, "T1", "T2")
    with connect(settings.require_database(), role=READER) as conn:
        before = state_at(conn, args.account, t1)
        events = who_all(conn, WhoFilter(target=args.account, start=t1 + _TICK, end=t2))
    by_id = {item.event.event_id: item for item in events}
    changes = diff(before, steps(before, (item.event for item in events)))
    if args.json:
        out.emit_json(out.diff_json(args.account, t1, t2, changes, by_id, tz))
    else:
        out.diff_text(args.account, t1, t2, changes, by_id, tz)
    return 0


def cmd_actor(args: argparse.Namespace, settings: Settings) -> int:
    tz = zone(args.tz)
    start, end = _day(args.on, tz) if args.on else (None, None)
    with connect(settings.require_database(), role=READER) as conn:
        actions = who_all(conn, WhoFilter(actor=args.actor, start=start, end=end))
        moment = end or (actions[-1].event.occurred_at if actions else datetime.now(UTC))
        hr = [item.event for item in history(conn, args.actor, moment)]
    final = fold_actor(args.actor, hr)
    states = states_along(args.actor, hr, [item.event.occurred_at for item in actions])
    if args.json:
        out.emit_json(out.actor_json(args.actor, args.on, start, end, moment, final, actions, states, tz))
    else:
        out.actor_text(args.actor, moment, final, actions, states, tz)
    return 0


def cmd_snapshot(args: argparse.Namespace, settings: Settings) -> int:
    if args.every < 1:
        raise BadInput("--every: must be at least 1")
    with Ledger.from_settings(settings) as ledger:
        if args.accounts:
            accounts = list(args.accounts)
        else:
            with ledger.projecting() as unit:
                accounts = unit.accounts_to_snapshot(args.every)
        written = {}
        for account in accounts:  # a transaction per account
            with ledger.projecting() as unit:
                written[account] = unit.refresh_snapshots(account, args.every)
    print(f"wrote {sum(written.values())} snapshots for {len(written)} accounts")
    return 0


def _in_order(first: datetime | None, second: datetime, name1: str, name2: str) -> None:
    if first is not None and first > second:
        raise BadInput(f"{name1} must not be later than {name2}")


def _day(text: str, tz: tzinfo | None) -> tuple[datetime, datetime]:
    """A calendar day in the display zone, as [midnight, next midnight - 1us]."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadInput(f"--on: {text!r} is not a date like 2017-11-02") from exc
    if tz is None:
        raise BadInput(f"--on: {text!r} names a day but not whose; pass --tz (e.g. America/New_York or UTC)")
    first = datetime.combine(day, time(0), tz)
    return first, datetime.combine(day + timedelta(days=1), time(0), tz) - _TICK
