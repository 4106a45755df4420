"""The ledger's events as the detector's rules read them, streamed in feed order: what a backtest
judges. Built from the decoded columns, not the stored payload, except where the rules or the
folds need more (``judged_events.sql`` says where): decoding every payload is what a backtest
would otherwise spend most of its time on, and the server works out an update's rename on its own
core meanwhile. An event built here carries what the rules look at (ids, kinds, org, action,
target, ticket, approval, the changes that move an actor's or account's state the rules read),
not its reason, source or display names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg

from auditlog.domain.model import Actor, AdminAction, Change, Target
from auditlog.domain.plain import from_plain
from auditlog.ledger.db import translated_errors
from auditlog.ledger.feed import Position
from auditlog.ledger.sql import query

_ITERSIZE = 20_000
# which events (judged_events.sql has what of them): all up to a feed position, in feed order...
_UP_TO = "WHERE (txid, seq) <= (%(txid)s::text::xid8, %(seq)s) ORDER BY txid, seq"
_ALL = "ORDER BY txid, seq"
# ... or one actor's from a moment on that the ledger held before a position (events_actor_time)
_ACTOR_BEFORE = ("WHERE actor_id = %(actor)s AND occurred_at >= %(since)s "
                 "AND (txid, seq) < (%(txid)s::text::xid8, %(seq)s) ORDER BY txid, seq")


def judged_events(conn: psycopg.Connection[Any], upto: Position | None = None,
                  ) -> Iterator[tuple[int, int, AdminAction]]:
    """Every event in feed order, up to ``upto`` (None: all), with its feed position as (txid, seq)
    (not a ``Position`` per row: most callers never look at it)."""
    params = {} if upto is None else {"txid": str(upto.txid), "seq": upto.seq}
    with translated_errors():
        conn.execute("SET LOCAL TimeZone = 'UTC'")  # occurred_at in UTC, as decoded payloads have it
        with conn.cursor(name="judged_events") as cur:
            cur.itersize = _ITERSIZE
            for row in cur.execute(query("judged_events") + (_ALL if upto is None else _UP_TO), params):
                yield row[0], row[1], _event(row[2:])


def actor_actions(conn: psycopg.Connection[Any], actor_id: str, since: datetime, before: Position,
                  ) -> list[tuple[int, AdminAction]]:
    """``actor_id``'s events with occurred_at >= ``since`` the ledger held before ``before`` (in feed
    order), with their seq: what a late offboarding asks about."""
    params = {"actor": actor_id, "since": since, "txid": str(before.txid), "seq": before.seq}
    with translated_errors():
        conn.execute("SET LOCAL TimeZone = 'UTC'")
        rows = conn.execute(query("judged_events") + _ACTOR_BEFORE, params).fetchall()
    return [(row[1], _event(row[2:])) for row in rows]


def _event(row: tuple[Any, ...]) -> AdminAction:
    event_id, occurred_at, actor_id, kind, org, action, target_type, target_id, ticket, payload, renames, handle = row
    if payload is not None:
        return from_plain(json.loads(payload))
    # the session's TimeZone is UTC, which psycopg loads as datetime.UTC, the payload's own: comparing
    # times of two different tzinfo objects costs 8x as much, so a stray zone is converted
    if occurred_at.tzinfo is not UTC:
        occurred_at = occurred_at.astimezone(UTC)
    return AdminAction(event_id, occurred_at, Actor(actor_id, kind, org=org), action,
                       Target(target_type, target_id), ticket=ticket,
                       changes=(Change("handle", None, handle),) if renames else ())
