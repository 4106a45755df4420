"""Rejected messages: reading them back, and recording what a re-drive made of them.

A rejected row is never changed. When today's decoder accepts its bytes, the re-drive appends
the event through the writer's append path (``ledger/append.py``: deduplicated by
``event_id``, hash-chained on the partition it arrived on, with the coordinates it arrived at)
and records the resolution in ``rejected_resolutions``, in the same transaction. That table's
primary key is the rejected id: of two re-drives racing on one message, the second waits for the
first and then inserts nothing, so the message becomes an event exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from auditlog.ledger import append
from auditlog.ledger.db import translated_errors
from auditlog.ledger.sql import query


@dataclass(frozen=True)
class RejectedRow:
    id: int
    seq: int
    received_at: datetime
    topic: str
    partition: int
    incarnation: int
    offset: int
    reason: str
    size: int | None
    outcome: str | None  # "appended" or "duplicate" once a re-drive resolved it
    event_id: str | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class RejectedMessage:
    """One rejected message in full: its bytes, and its resolution if any."""

    row: RejectedRow
    raw_key: bytes | None
    raw_value: bytes | None
    raw_headers: bytes | None
    resolved_by: str | None
    event_seq: int | None


@dataclass(frozen=True)
class Unresolved:
    id: int
    topic: str
    partition: int
    incarnation: int
    offset: int
    raw_key: bytes | None
    raw_value: bytes | None
    raw_headers: bytes | None
    reason: str


@dataclass(frozen=True)
class Resolution:
    """What a re-drive does with one rejected message: append ``incoming`` (``duplicate``: the
    ledger already holds that very event, so nothing is appended)."""

    rejected_id: int
    incoming: append.Incoming
    duplicate: bool


def listed(conn: psycopg.Connection[Any], *, reason: str | None, start: datetime | None, end: datetime | None,
           after: int | None, limit: int) -> list[RejectedRow]:
    params = {"reason": reason, "from": start, "to": end, "after": after, "limit": limit}
    with translated_errors():
        return [RejectedRow(*row) for row in conn.execute(query("rejected_list"), params)]


def one(conn: psycopg.Connection[Any], rejected_id: int) -> RejectedMessage | None:
    with translated_errors():
        r = conn.execute(query("rejected_one"), {"id": rejected_id}).fetchone()
    if r is None:
        return None
    value = _bytes(r.raw_value)
    row = RejectedRow(r.id, r.seq, r.received_at, r.topic, r.partition, r.incarnation, r.kafka_offset, r.reason,
                      None if value is None else len(value), r.outcome, r.event_id, r.resolved_at)
    return RejectedMessage(row, _bytes(r.raw_key), value, _bytes(r.raw_headers), r.resolved_by, r.event_seq)


def unresolved(conn: psycopg.Connection[Any], *, ids: Sequence[int] | None, reason: str | None, after: int,
               limit: int) -> list[Unresolved]:
    params = {"ids": list(ids) if ids is not None else None, "reason": reason, "after": after, "limit": limit}
    with translated_errors():
        return [Unresolved(r.id, r.topic, r.partition, r.incarnation, r.kafka_offset, _bytes(r.raw_key),
                           _bytes(r.raw_value), _bytes(r.raw_headers), r.reason)
                for r in conn.execute(query("rejected_unresolved"), params)]


def oldest_unresolved(conn: psycopg.Connection[Any]) -> tuple[int, datetime | None]:
    with translated_errors():
        row = conn.execute(query("rejected_oldest")).fetchone()
    return (0, None) if row is None else (int(row.unresolved), row.oldest)


def known_events(conn: psycopg.Connection[Any], event_ids: Sequence[str]) -> dict[str, bytes]:
    """event_id -> stored bytes, of those the ledger holds."""
    with translated_errors():
        return {str(event_id): bytes(raw)
                for event_id, raw in conn.execute(query("raw_by_event_ids"), {"ids": list(event_ids)})}


def resolve(conn: psycopg.Connection[Any], resolutions: Sequence[Resolution], resolved_by: str) -> list[int]:
    """Record each resolution and append its event, in the caller's transaction; return the ids
    resolved now (one already resolved, by an earlier or a racing re-drive, is left out). May
    raise ``append.StaleBatch``: an event_id another transaction stored meanwhile (roll back,
    try again)."""
    mine: list[Resolution] = []
    with translated_errors():
        for item in sorted(resolutions, key=lambda r: r.rejected_id):  # one order: two re-drives never deadlock
            won = conn.execute(query("insert_resolution"), {
                "rejected_id": item.rejected_id, "outcome": "duplicate" if item.duplicate else "appended",
                "event_id": item.incoming.columns.event_id, "resolved_by": resolved_by}).fetchone()
            if won is not None:
                mine.append(item)
    fresh = [item.incoming for item in mine if not item.duplicate]
    if fresh:
        result = append.append_batch(conn, resolved_by, fresh, [], {})
        if result.appended != len(fresh):
            # dedup found one of them stored since we looked: the caller rolls back and looks again
            raise append.StaleBatch(sorted({(i.topic, i.partition) for i in fresh}))
    return [item.rejected_id for item in mine]


def _bytes(value: bytes | memoryview | None) -> bytes | None:
    return None if value is None else bytes(value)
