"""Append a batch to the ledger: events, rejections and the next offsets, in one transaction.

That single transaction is what makes ingest exactly-once in effect: either the
rows *and* the offsets that cover them are committed, or neither is, and a
restarted writer resumes from the offsets stored here, not from Kafka's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import psycopg

from domain.errors import AuditError
from domain.model import AdminAction
from domain.plain import to_plain
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
    "event_id, topic, partition, kafka_offset, occurred_at, actor_id, actor_kind, actor_org, "
    "action, target_type, target_id, reason, ticket, payload, raw_value, schema_fingerprint"
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
        fresh, duplicates, conflicts = _deduplicate(conn, incoming)
        rejections = [*rejections, *conflicts]
        with conn.cursor() as cur:
            if fresh:
                with cur.copy(f"COPY events ({_EVENT_COLUMNS}) FROM STDIN") as copy:
                    for item in fresh:
                        copy.write_row(_event_row(item))
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


def _event_row(item: Incoming) -> tuple[object, ...]:
    e = item.event
    return (
        e.event_id, item.topic, item.partition, item.offset, e.occurred_at, e.actor.id,
        e.actor.kind, e.actor.org, e.action, e.target.type, e.target.id, e.reason, e.ticket,
        json.dumps(to_plain(e, iso_times=True)), item.raw_value, item.schema_fingerprint,
    )
