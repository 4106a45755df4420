"""State of an account or an actor at a time, on both clocks (see "Two clocks" in ARCHITECTURE.md).

``at`` bounds event time (``occurred_at``); ``known_at`` additionally bounds
ledger time (``recorded_at``), answering "what did we know then". Ties on
``occurred_at`` break by ``seq``. ``state_at`` starts from the nearest usable
snapshot (``ledger.snapshots``) and folds only the events after it;
``state_by_replay`` folds the whole history and is the reference it must equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

import psycopg

from auditlog.domain.account import AccountState, fold, state_from_plain
from auditlog.domain.actor import ActorState, fold_actor
from auditlog.domain.plain import from_plain
from auditlog.ledger.db import translated_errors
from auditlog.ledger.read import LedgerEvent, row_to_event
from auditlog.ledger.sql import query


def history(
    conn: psycopg.Connection, target: str, at: datetime, known_at: datetime | None = None
) -> list[LedgerEvent]:
    """Every event about ``target`` up to ``at`` (as known at ``known_at``), in fold order."""
    params = {"target": target, "at": at, "known_at": known_at}
    with translated_errors():
        return [row_to_event(row) for row in conn.execute(query("events_for_target"), params)]


def state_at(
    conn: psycopg.Connection, account: str, at: datetime, known_at: datetime | None = None
) -> AccountState:
    with translated_errors():
        rows = conn.execute(state_statement(), state_params(account, at, known_at)).fetchall()
    return state_from_rows(account, rows)


@cache
def state_statement() -> str:
    """One statement: the nearest snapshot (a CTE) and the events after it (``state_from_rows``)."""
    return f"WITH snap AS MATERIALIZED (\n{query('nearest_snapshot')}\n)\n{query('state_from_snapshot')}"


def state_params(account: str, at: datetime, known_at: datetime | None) -> dict[str, Any]:
    return {"account": account, "at": at, "known_at": known_at}


def state_from_rows(account: str, rows: Sequence[Sequence[Any]]) -> AccountState:
    """The fold of ``state_statement``'s rows: (part, occurred_at, seq, doc), the snapshot's
    state first (part 0) if there is one, then the events' payloads."""
    snapshot = bool(rows) and rows[0][0] == 0
    start = state_from_plain(rows[0][3]) if snapshot else AccountState(account)
    return fold(account, (from_plain(row[3]) for row in rows[1 if snapshot else 0:]), start)


def state_by_replay(
    conn: psycopg.Connection, account: str, at: datetime, known_at: datetime | None = None
) -> AccountState:
    """The same answer as ``state_at`` from every event, ignoring snapshots."""
    return fold(account, (item.event for item in history(conn, account, at, known_at)))


def actor_at(
    conn: psycopg.Connection, actor: str, at: datetime, known_at: datetime | None = None
) -> ActorState:
    """Who ``actor`` was at ``at``: kind, org, roles and engagement (``.engaged(at)``).
    Actors have a handful of events each, so this is plain replay."""
    return fold_actor(actor, (item.event for item in history(conn, actor, at, known_at)))
