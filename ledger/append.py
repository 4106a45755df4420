"""Append a batch to the ledger: events, rejections and the next offsets, in one transaction.

That single transaction (the caller's unit of work: ``ledger.gateway``) is what makes
ingest exactly-once in effect: either the rows *and* the offsets that cover them are
committed, or neither is, and a restarted writer resumes from the offsets stored here,
not from Kafka's. The same transaction extends each partition's hash chain
(``ledger/chain.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import psycopg

from auditlog.domain.errors import AuditError
from auditlog.domain.model import AdminAction
from auditlog.domain.plain import to_plain
from auditlog.ledger import chain, records
from auditlog.ledger.db import translated_errors
from auditlog.ledger.locks import INSERT_FENCE
from auditlog.ledger.payload import jsonb_text
from auditlog.ledger.sql import query


class EventColumns(NamedTuple):
    """What the ledger stores of one accepted event that its place in the ledger does
    not decide: the columns, the payload's text, and the tail of its chain record
    (``chain.tail``). Made before the batch is appended, by the writer's decoder."""

    event_id: str
    occurred_at: datetime
    actor_id: str
    actor_kind: str
    actor_org: str | None
    action: str
    target_type: str
    target_id: str
    reason: str | None
    ticket: str | None
    payload: str  # JSON text exactly as the jsonb column prints it back (ledger/payload.py), hashed
    schema_fingerprint: bytes
    occurred_us: int
    tail: bytes


def event_columns(event: AdminAction, topic: str, raw_value: bytes, schema_fingerprint: bytes) -> EventColumns:
    e = event
    payload = jsonb_text(to_plain(e, iso_times=True))
    return EventColumns(
        e.event_id, e.occurred_at, e.actor.id, e.actor.kind, e.actor.org, e.action, e.target.type, e.target.id,
        e.reason, e.ticket, payload, schema_fingerprint, chain.micros(e.occurred_at),
        chain.tail((uuid.UUID(e.event_id), topic, e.actor.id, e.actor.kind, e.actor.org, e.action, e.target.type,
                    e.target.id, e.reason, e.ticket, payload, raw_value, schema_fingerprint)),
    )


@dataclass(frozen=True, slots=True)
class Incoming:
    """A decoded, valid event with the coordinates and bytes it arrived as (``raw_headers``
    in ``chain.encode_headers`` form)."""

    topic: str
    partition: int
    offset: int
    columns: EventColumns
    raw_value: bytes
    raw_key: bytes | None = None
    raw_headers: bytes | None = None
    incarnation: int = 0

    @classmethod
    def of(cls, topic: str, partition: int, offset: int, event: AdminAction, raw_value: bytes,
           schema_fingerprint: bytes, *, raw_key: bytes | None = None, raw_headers: bytes | None = None,
           incarnation: int = 0) -> Incoming:
        return cls(topic, partition, offset, event_columns(event, topic, raw_value, schema_fingerprint), raw_value,
                   raw_key, raw_headers, incarnation)


@dataclass(frozen=True)
class Rejection:
    topic: str
    partition: int
    offset: int
    raw_key: bytes | None
    raw_value: bytes | None
    reason: str
    raw_headers: bytes | None = None
    incarnation: int = 0


@dataclass(frozen=True)
class OffsetRange:
    """The offsets a batch covers on one partition of one topic incarnation: ``first`` up
    to ``next`` (exclusive)."""

    first: int
    next: int
    incarnation: int = 0


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
    "seq, event_id, topic, partition, incarnation, kafka_offset, occurred_at, recorded_at, actor_id, actor_kind, "
    "actor_org, action, target_type, target_id, reason, ticket, payload, raw_value, schema_fingerprint, "
    "raw_key, raw_headers, chain_pos, prev_hash, hash"
)


def append_batch(
    conn: psycopg.Connection,
    group: str,
    incoming: Sequence[Incoming],
    rejections: Sequence[Rejection],
    ranges: Mapping[tuple[str, int], OffsetRange],
) -> AppendResult:
    """Write one polled batch, inside the caller's transaction. Redelivered copies of an
    event already in the ledger are skipped; a different event reusing an ``event_id`` is
    rejected. Raises ``StaleBatch`` (the caller rolls back) if another writer already
    covered it, or appended one of its events while this batch was being written."""
    chains = sorted(set(ranges) | {(item.topic, item.partition) for item in incoming})
    with translated_errors():
        try:
            return _append(conn, group, incoming, rejections, ranges, chains)
        except psycopg.errors.UniqueViolation:
            # The same event_id also came on another partition, and another transaction (the
            # other lane, another group) stored it after our dedup looked. The retry's dedup
            # sees it, so this batch is only stale, not bad.
            raise StaleBatch(chains) from None


def _append(
    conn: psycopg.Connection,
    group: str,
    incoming: Sequence[Incoming],
    rejections: Sequence[Rejection],
    ranges: Mapping[tuple[str, int], OffsetRange],
    chains: list[tuple[str, int]],
) -> AppendResult:
    _advance_offsets(conn, group, ranges)  # first: its row locks fence concurrent writers
    # before dedup, every chain the batch touches: dedup must see the other group's rows
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
            _insert_rejected(conn, rejections)
    return AppendResult(len(fresh), duplicates, len(rejections))


def _insert_rejected(conn: psycopg.Connection, rejections: Sequence[Rejection]) -> None:
    """Rejected messages, each chained on its (topic, partition) rejected chain: rare and small, so
    plain inserts. The batch holds those chains' locks already (``lock_chains``: every
    rejection's partition is in the batch). A message rejected before (by another group reading
    the same topic) is already on record and stays as it is, and its chain does not move."""
    ordered = sorted(rejections, key=lambda r: (r.topic, r.partition, r.incarnation, r.offset))
    chains = sorted({(r.topic, r.partition) for r in ordered})
    params = {"topics": [t for t, _ in chains], "partitions": [p for _, p in chains]}
    conn.execute(query("lock_chains"), params)  # the writer's batch holds them already; a direct caller may not
    heads = {(t, p): chain.EMPTY if pos is None else chain.Head(int(pos), bytes(h))
             for t, p, pos, h in conn.execute(query("rejected_chain_heads"), params).fetchall()}
    stamp = conn.execute(query("rejected_stamp"), {"n": len(ordered)}).fetchone()
    assert stamp is not None
    received_at, seqs, ids = stamp
    for r, seq, rid in zip(ordered, seqs, ids, strict=True):
        head = heads[(r.topic, r.partition)]
        pos = head.pos + 1
        new_hash = chain.link_record(head.hash, records.rejected_record(
            seq, rid, r.partition, r.offset, pos, received_at, r.incarnation, r.topic, r.reason, r.raw_key,
            r.raw_value, r.raw_headers))
        inserted = conn.execute(query("insert_rejected"), {
            "id": rid, "seq": seq, "received_at": received_at, "topic": r.topic, "partition": r.partition,
            "incarnation": r.incarnation, "offset": r.offset, "raw_key": r.raw_key, "raw_value": r.raw_value,
            "raw_headers": r.raw_headers, "reason": r.reason, "chain_pos": pos, "prev_hash": head.hash,
            "hash": new_hash}).fetchone()
        if inserted is not None:
            heads[(r.topic, r.partition)] = chain.Head(pos, new_hash)


def _advance_offsets(conn: psycopg.Connection, group: str, ranges: Mapping[tuple[str, int], OffsetRange]) -> None:
    stale = []
    for (topic, partition), span in sorted(ranges.items()):
        stored = conn.execute(query("store_offset"), {
            "group": group, "topic": topic, "partition": partition, "incarnation": span.incarnation,
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
    ids = [item.columns.event_id for item in incoming]
    known: dict[str, bytes] = {
        str(event_id): bytes(raw)
        for event_id, raw in conn.execute(query("raw_by_event_ids"), {"ids": ids}).fetchall()
    }
    fresh: list[Incoming] = []
    duplicates = 0
    conflicts: list[Rejection] = []
    for item in incoming:
        event_id = item.columns.event_id
        if event_id in known:
            if known[event_id] == item.raw_value:
                duplicates += 1
            else:
                conflicts.append(Rejection(
                    item.topic, item.partition, item.offset, item.raw_key, item.raw_value,
                    f"duplicate event_id {event_id} with different content", item.raw_headers, item.incarnation,
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
    ordered = sorted(fresh, key=lambda item: (item.topic, item.partition, item.incarnation, item.offset))
    stamp = conn.execute(query("batch_stamp"), {"n": len(ordered), "fence": INSERT_FENCE.key}).fetchone()
    assert stamp is not None
    recorded_at: datetime = stamp[1]
    recorded_us = chain.micros(recorded_at)
    link_tail, evidence = chain.link_tail, chain.evidence
    rows: list[tuple[object, ...]] = []
    for item, seq in zip(ordered, stamp[2], strict=True):
        c = item.columns
        key = (item.topic, item.partition)
        head = heads[key]
        pos = head.pos + 1
        new_hash = link_tail(head.hash, seq, item.partition, item.offset, pos, c.occurred_us, recorded_us,
                             item.incarnation, c.tail, evidence(item.raw_key, item.raw_headers))
        rows.append((
            seq, c.event_id, item.topic, item.partition, item.incarnation, item.offset, c.occurred_at, recorded_at,
            c.actor_id, c.actor_kind, c.actor_org, c.action, c.target_type, c.target_id, c.reason, c.ticket,
            c.payload, item.raw_value, c.schema_fingerprint, item.raw_key, item.raw_headers, pos, head.hash, new_hash,
        ))
        heads[key] = chain.Head(pos, new_hash)
    return rows
