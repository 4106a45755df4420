"""Append a batch to the ledger: events, rejections and the next offsets, in one transaction.

That single transaction is what makes ingest exactly-once in effect: either the
rows *and* the offsets that cover them are committed, or neither is, and a
restarted writer resumes from the offsets stored here, not from Kafka's.
The same transaction extends each partition's hash chain (``ledger/chain.py``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg

from domain.errors import AuditError
from domain.model import AdminAction
from domain.plain import to_plain
from ledger import chain
from ledger.db import translated_errors
from ledger.sql import query


@dataclass(frozen=True)
class Incoming:
    """A decoded, valid event with the coordinates and bytes it arrived as."""

    topic: str
    partition: int
    offset: int
    event: AdminAction
    raw_value: bytes
    schema_fingerprint: bytes


@dataclass(frozen=True)
class Rejection:
    topic: str
    partition: int
    offset: int
    raw_key: bytes | None
    raw_value: bytes | None
    reason: str


@dataclass(frozen=True)
class OffsetRange:
    """The offsets a batch covers on one partition: ``first`` up to ``next`` (exclusive)."""

    first: int
    next: int


class StaleBatch(AuditError):
    """Another writer already stored offsets past this batch: drop it and re-seek."""

    retriable = True

    def __init__(self, partitions: list[tuple[str, int]]) -> None:
        super().__init__(f"batch is stale on {partitions}: another writer got there first")
        self.partitions = partitions


@dataclass(frozen=True)
class AppendResult:
    appended: int
    duplicates: int
    rejected: int


_EVENT_COLUMNS = (
    "seq, event_id, topic, partition, kafka_offset, occurred_at, recorded_at, actor_id, actor_kind, "
    "actor_org, action, target_type, target_id, reason, ticket, payload, raw_value, schema_fingerprint, "
    "chain_pos, prev_hash, hash"
)
_REJECTED_COLUMNS = "topic, partition, kafka_offset, raw_key, raw_value, reason"  # as in insert_rejected.sql


def append_batch(
    conn: psycopg.Connection,
    group: str,
    incoming: Sequence[Incoming],
    rejections: Sequence[Rejection],
    ranges: Mapping[tuple[str, int], OffsetRange],
) -> AppendResult:
    """Write one polled batch atomically. Redelivered copies of an event already in
    the ledger are skipped; a different event reusing an ``event_id`` is rejected.
    Raises ``StaleBatch`` (writing nothing) if another writer already covered it."""
    with translated_errors(), conn.transaction():
        _advance_offsets(conn, group, ranges)  # first: its row locks fence concurrent writers
        # before dedup: it must see the other group's rows; every chain the batch touches
        chains = sorted(set(ranges) | {(item.topic, item.partition) for item in incoming})
        heads = _lock_chains(conn, chains)
        fresh, duplicates, conflicts = _deduplicate(conn, incoming)
        rejections = [*rejections, *conflicts]
        with conn.cursor() as cur:
            if fresh:
                rows = _chained_rows(conn, fresh, heads)
                with cur.copy(f"COPY events ({_EVENT_COLUMNS}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            if rejections:
                # rare and small, so plain inserts; a message rejected before (by another
                # group reading the same topic) is already on record and stays as it is
                cur.executemany(query("insert_rejected"), [
                    {"topic": r.topic, "partition": r.partition, "offset": r.offset,
                     "raw_key": r.raw_key, "raw_value": r.raw_value, "reason": r.reason}
                    for r in rejections
                ])
    return AppendResult(len(fresh), duplicates, len(rejections))


def _advance_offsets(conn: psycopg.Connection, group: str, ranges: Mapping[tuple[str, int], OffsetRange]) -> None:
    stale = []
    for (topic, partition), span in sorted(ranges.items()):
        stored = conn.execute(query("store_offset"), {
            "group": group, "topic": topic, "partition": partition,
            "next_offset": span.next, "first_offset": span.first,
        }).fetchone()
        if stored is None:
            stale.append((topic, partition))
    if stale:
        raise StaleBatch(stale)


def _deduplicate(
    conn: psycopg.Connection, incoming: Sequence[Incoming]
) -> tuple[list[Incoming], int, list[Rejection]]:
    """Split a batch into new events, harmless redeliveries and id conflicts."""
    if not incoming:
        return [], 0, []
    ids = [item.event.event_id for item in incoming]
    known: dict[str, bytes] = {
        str(event_id): bytes(raw)
        for event_id, raw in conn.execute(query("raw_by_event_ids"), {"ids": ids}).fetchall()
    }
    fresh: list[Incoming] = []
    duplicates = 0
    conflicts: list[Rejection] = []
    for item in incoming:
        event_id = item.event.event_id
        if event_id in known:
            if known[event_id] == item.raw_value:
                duplicates += 1
            else:
                conflicts.append(Rejection(
                    item.topic, item.partition, item.offset, item.event.target.id.encode(),
                    item.raw_value, f"duplicate event_id {event_id} with different content",
                ))
            continue
        known[event_id] = item.raw_value
        fresh.append(item)
    return fresh, duplicates, conflicts


def _lock_chains(conn: psycopg.Connection, chains: Sequence[tuple[str, int]]) -> dict[tuple[str, int], chain.Head]:
    """Lock the batch's chains (in sorted order) and read their heads under that lock."""
    params = {"topics": [t for t, _ in chains], "partitions": [p for _, p in chains]}
    conn.execute(query("lock_chains"), params)
    heads = {}
    for topic, partition, pos, head_hash in conn.execute(query("chain_heads"), params).fetchall():
        heads[(topic, partition)] = chain.EMPTY if pos is None else chain.Head(int(pos), bytes(head_hash))
    return heads


def _chained_rows(
    conn: psycopg.Connection, fresh: Sequence[Incoming], heads: dict[tuple[str, int], chain.Head]
) -> list[tuple[object, ...]]:
    """The COPY rows of ``fresh``, each with its seq, ledger time and place in its chain."""
    ordered = sorted(fresh, key=lambda item: (item.topic, item.partition, item.offset))
    payloads = [json.dumps(to_plain(item.event, iso_times=True)) for item in ordered]
    stamp = conn.execute(query("batch_stamp"), {"n": len(ordered), "payloads": payloads}).fetchone()
    assert stamp is not None
    recorded_at: datetime = stamp[0]
    recorded_us = chain.micros(recorded_at)
    rows: list[tuple[object, ...]] = []
    for item, seq, payload in zip(ordered, stamp[1], stamp[2], strict=True):
        e = item.event
        key = (item.topic, item.partition)
        head = heads[key]
        event_id = uuid.UUID(e.event_id)
        pos = head.pos + 1
        new_hash = chain.link(head.hash, (
            seq, item.partition, item.offset, pos, chain.micros(e.occurred_at), recorded_us, event_id,
            item.topic, e.actor.id, e.actor.kind, e.actor.org, e.action, e.target.type, e.target.id,
            e.reason, e.ticket, payload, item.raw_value, item.schema_fingerprint,
        ))
        rows.append((
            seq, event_id, item.topic, item.partition, item.offset, e.occurred_at, recorded_at, e.actor.id,
            e.actor.kind, e.actor.org, e.action, e.target.type, e.target.id, e.reason, e.ticket, payload,
            item.raw_value, item.schema_fingerprint, pos, head.hash, new_hash,
        ))
        heads[key] = chain.Head(pos, new_hash)
    return rows
