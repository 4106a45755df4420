"""The ledger's events as the detector's rules read them, streamed in feed order: what a backtest
judges. Built from the decoded columns, not the stored payload, except where the rules or the
folds need more (``judged_events.sql`` says where): decoding every payload is what a backtest
would otherwise spend most of its time on, and the server works out an update's rename on its own
core meanwhile. An event built here carries what the rules look at (ids, kinds, org, action,
target, ticket, approval, the changes that move an actor's or account's state the rules read),
not its reason, source or display names.

The stream reads pages of a server-side cursor, the next one fetched by a thread (``ledger/ahead.py``)
while the caller judges the last: Postgres and the judge then work at once, each on its core.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from auditlog.domain.model import Actor, AdminAction, Change, Target
from auditlog.domain.plain import from_plain
from auditlog.ledger.ahead import ahead
from auditlog.ledger.db import translated_errors
from auditlog.ledger.feed import Position
from auditlog.ledger.sql import query

_PAGE = 5_000  # rows a FETCH: small enough that the first page comes at once, large enough to be few
# which events (judged_events.sql has what of them): all up to a feed position, in feed order
# (events.txid, the column, not the output's bigint: the events_feed index streams them unsorted)...
_UP_TO = "WHERE (txid, seq) <= (%(txid)s::text::xid8, %(seq)s) ORDER BY events.txid, seq"
_ALL = "ORDER BY events.txid, seq"
# ... or one actor's from a moment on that the ledger held before a position (events_actor_time)
_ACTOR_BEFORE = ("WHERE actor_id = %(actor)s AND occurred_at >= %(since)s "
                 "AND (txid, seq) < (%(txid)s::text::xid8, %(seq)s) ORDER BY events.txid, seq")


def judged_events(conn: psycopg.Connection[Any], upto: Position | None = None,
                  ) -> Iterator[tuple[int, int, AdminAction]]:
    """Every event in feed order, up to ``upto`` (None: all), with its feed position as (txid, seq)
    (not a ``Position`` per row: most callers never look at it)."""
    params = {} if upto is None else {"txid": str(upto.txid), "seq": upto.seq}
    build = _Builder()
    with translated_errors():
        conn.execute("SET LOCAL TimeZone = 'UTC'")  # occurred_at in UTC, as decoded payloads have it
        # plain tuples, and binary results: the server sends occurred_at as an integer, not text to parse
        with conn.cursor(name="judged_events", binary=True, row_factory=tuple_row) as cur:
            cur.execute(query("judged_events") + (_ALL if upto is None else _UP_TO), params)
            with ahead(lambda: cur.fetchmany(_PAGE)) as pages:
                for page in pages:
                    for row in page:
                        yield row[0], row[1], build(row)


def actor_actions(conn: psycopg.Connection[Any], actor_id: str, since: datetime, before: Position,
                  ) -> list[tuple[int, AdminAction]]:
    """``actor_id``'s events with occurred_at >= ``since`` the ledger held before ``before`` (in feed
    order), with their seq: what a late offboarding asks about."""
    params = {"actor": actor_id, "since": since, "txid": str(before.txid), "seq": before.seq}
    build = _Builder()
    with translated_errors():
        conn.execute("SET LOCAL TimeZone = 'UTC'")
        with conn.cursor(row_factory=tuple_row) as cur:
            rows = cur.execute(query("judged_events") + _ACTOR_BEFORE, params).fetchall()
    return [(row[1], build(row)) for row in rows]


class _Builder:
    """Builds a row's event, reusing one ``Actor`` per actor (they are few and act often)."""

    def __init__(self) -> None:
        self._actors: dict[str, Actor] = {}

    def __call__(self, row: tuple[Any, ...]) -> AdminAction:
        _, _, event_id, occurred_at, actor_id, kind, org, action, target_type, target_id, ticket, payload, \
            renames, handle = row
        if payload is not None:
            return from_plain(json.loads(payload))
        # the session's TimeZone is UTC, which psycopg loads as datetime.UTC, the payload's own: comparing
        # times of two different tzinfo objects costs 8x as much, so a stray zone is converted
        if occurred_at.tzinfo is not UTC:
            occurred_at = occurred_at.astimezone(UTC)
        actor = self._actors.get(actor_id)
        if actor is None or actor.kind != kind or actor.org != org:
            actor = self._actors[actor_id] = Actor(actor_id, kind, None, org)
        return AdminAction(event_id, occurred_at, actor, action, Target(target_type, target_id), None, ticket,
                           (Change("handle", None, handle),) if renames else ())
