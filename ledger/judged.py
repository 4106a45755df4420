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
from datetime import UTC
from typing import Any

import psycopg

from auditlog.domain.model import Actor, AdminAction, Change, Target
from auditlog.domain.plain import from_plain
from auditlog.ledger.db import translated_errors
from auditlog.ledger.feed import Position
from auditlog.ledger.sql import query

_ITERSIZE = 20_000


def judged_events(conn: psycopg.Connection[Any], upto: Position | None = None) -> Iterator[AdminAction]:
    """Every event in feed order, up to ``upto`` (None: all)."""
    params = {"upto_txid": None if upto is None else str(upto.txid), "upto_seq": None if upto is None else upto.seq}
    with translated_errors():
        conn.execute("SET LOCAL TimeZone = 'UTC'")  # occurred_at in UTC, as decoded payloads have it
        with conn.cursor(name="judged_events") as cur:
            cur.itersize = _ITERSIZE
            for row in cur.execute(query("judged_events"), params):
                yield _event(row)


def _event(row: tuple[Any, ...]) -> AdminAction:
    event_id, occurred_at, actor_id, kind, org, action, target_type, target_id, ticket, payload, renames, handle = row
    if payload is not None:
        return from_plain(json.loads(payload))
    # psycopg's UTC is a ZoneInfo; the payload's is datetime.UTC: comparing the two costs 8x as much
    return AdminAction(event_id, occurred_at.replace(tzinfo=UTC), Actor(actor_id, kind, org=org), action,
                       Target(target_type, target_id),
                       ticket=ticket, changes=(Change("handle", None, handle),) if renames else ())
