"""Reading the ledger: rows back into events, and the who-did-what query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
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
    statement, params = who_query(where, limit, after)
    with translated_errors():
        return [row_to_event(row) for row in conn.execute(statement, params).fetchall()]


# who.sql's filters and their conditions: a statement holds only those of the filters given
WHO_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("actor", "actor_id = %(actor)s::text"),
    ("actor_kind", "actor_kind = %(actor_kind)s::text"),
    ("org", "actor_org = %(org)s::text"),
    ("target", "target_id = %(target)s::text"),
    ("action", "action = %(action)s::text"),
    ("from", "occurred_at >= %(from)s::timestamptz"),
    ("to", "occurred_at <= %(to)s::timestamptz"),
    ("known_at", "recorded_at <= %(known_at)s::timestamptz"),
    ("scope", "(actor_org = ANY(%(orgs)s::text[]) OR target_id = ANY(%(accounts)s::text[]))"),
    ("after", "(occurred_at, seq) > (%(after_time)s::timestamptz, %(after_seq)s::bigint)"),
)


def who_query(where: WhoFilter, limit: int, after: tuple[datetime, int] | None) -> tuple[str, dict[str, Any]]:
    """The who statement for the filters given, and its parameters."""
    given = {"actor": where.actor, "actor_kind": where.actor_kind, "org": where.org, "target": where.target,
             "action": where.action, "from": where.start, "to": where.end, "known_at": where.known_at}
    params: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    present = set(params)
    if where.scope_orgs is not None:
        present.add("scope")
        params.update(orgs=list(where.scope_orgs), accounts=list(where.scope_accounts))
    if after is not None:
        present.add("after")
        params.update(after_time=after[0], after_seq=after[1])
    return who_statement(frozenset(present)), {**params, "limit": limit}


@cache
def who_statement(present: frozenset[str]) -> str:
    conditions = [condition for name, condition in WHO_CONDITIONS if name in present]
    return query("who").replace("WHERE {filters}", "WHERE " + ("\n  AND ".join(conditions) or "true"))


def who_all(conn: psycopg.Connection, where: WhoFilter, *, page: int = 1000) -> list[LedgerEvent]:
    """Every matching event, fetched a page at a time."""
    rows: list[LedgerEvent] = []
    while True:
        after = (rows[-1].event.occurred_at, rows[-1].seq) if rows else None
        batch = who(conn, where, limit=page, after=after)
        rows.extend(batch)
        if len(batch) < page:
            return rows
