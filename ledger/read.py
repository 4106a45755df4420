"""Reading the ledger: rows back into events, and the who-did-what query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from auditlog.domain.model import AdminAction
from auditlog.domain.plain import from_plain
from auditlog.ledger.db import translated_errors
from auditlog.ledger.sql import query


@dataclass(frozen=True)
class LedgerEvent:
    """An event as the ledger holds it: the action plus where and when it was recorded."""

    seq: int
    recorded_at: datetime
    topic: str
    partition: int
    kafka_offset: int
    event: AdminAction


@dataclass(frozen=True)
class WhoFilter:
    actor: str | None = None
    actor_kind: str | None = None
    org: str | None = None
    target: str | None = None
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    known_at: datetime | None = None  # only rows with recorded_at <= known_at
    # a scope: None, every event; else only events whose actor_org is one of ``orgs`` or whose
    # target is one of ``accounts`` (domain.access.Scope, applied in the query, before paging)
    scope_orgs: tuple[str, ...] | None = None
    scope_accounts: tuple[str, ...] = ()


def row_to_event(row: tuple[Any, ...]) -> LedgerEvent:
    seq, recorded_at, topic, partition, offset, payload = row
    return LedgerEvent(seq, recorded_at, topic, partition, offset, from_plain(payload))


def who(
    conn: psycopg.Connection,
    where: WhoFilter,
    *,
    limit: int = 1000,
    after: tuple[datetime, int] | None = None,
) -> list[LedgerEvent]:
    """One page of matching events in event-time order; pass the last row's
    ``(occurred_at, seq)`` as ``after`` for the next page."""
    params = who_params(where, limit, after)
    with translated_errors():
        return [row_to_event(row) for row in conn.execute(query("who"), params).fetchall()]


def who_params(where: WhoFilter, limit: int, after: tuple[datetime, int] | None) -> dict[str, Any]:
    """The who query's parameters (``query("who")``)."""
    return {
        "actor": where.actor,
        "actor_kind": where.actor_kind,
        "org": where.org,
        "target": where.target,
        "action": where.action,
        "from": where.start,
        "to": where.end,
        "known_at": where.known_at,
        "scoped": where.scope_orgs is not None,
        "orgs": list(where.scope_orgs or ()),
        "accounts": list(where.scope_accounts),
        "after_time": after[0] if after else None,
        "after_seq": after[1] if after else None,
        "limit": limit,
    }


def who_all(conn: psycopg.Connection, where: WhoFilter, *, page: int = 1000) -> list[LedgerEvent]:
    """Every matching event, fetched a page at a time."""
    rows: list[LedgerEvent] = []
    while True:
        after = (rows[-1].event.occurred_at, rows[-1].seq) if rows else None
        batch = who(conn, where, limit=page, after=after)
        rows.extend(batch)
        if len(batch) < page:
            return rows
