"""The writers' resume points and the topic incarnations they read (``consumer_offsets``,
``topic_incarnations``), and the ledger's copy of a message to hold against the broker's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from auditlog.ledger.db import translated_errors
from auditlog.ledger.sql import query


@dataclass(frozen=True)
class StoredOffset:
    """Where a writer group resumes a partition: ``next_offset`` of ``incarnation``."""

    partition: int
    incarnation: int
    next_offset: int


@dataclass(frozen=True)
class HeldRecord:
    """A message as the ledger holds it, accepted or rejected (key NULL on rows written
    before the ledger kept keys)."""

    offset: int
    raw_key: bytes | None
    raw_value: bytes | None


@dataclass(frozen=True)
class IncarnationChange:
    topic: str
    partition: int
    incarnation: int  # the new one
    detected_by: str
    ledger_end: int  # one past the highest offset the ledger held of the old incarnation
    broker_start: int
    broker_end: int
    reason: str
    detected_at: datetime | None = None


def stored_offsets(conn: psycopg.Connection[Any], group: str, topic: str) -> dict[int, StoredOffset]:
    with translated_errors():
        rows = conn.execute(query("stored_offsets"), {"group": group, "topic": topic}).fetchall()
    return {row.partition: StoredOffset(row.partition, row.incarnation, row.next_offset) for row in rows}


def latest_incarnations(conn: psycopg.Connection[Any], topic: str) -> dict[int, int]:
    """The newest incarnation of each partition with a recorded change (others: 0)."""
    with translated_errors():
        return {row.partition: row.incarnation
                for row in conn.execute(query("latest_incarnations"), {"topic": topic})}


def held_record(conn: psycopg.Connection[Any], topic: str, partition: int, incarnation: int,
                below: int) -> HeldRecord | None:
    """The message the ledger holds at the highest offset below ``below``."""
    params = {"topic": topic, "partition": partition, "incarnation": incarnation, "below": below}
    with translated_errors():
        row = conn.execute(query("held_record"), params).fetchone()
    if row is None:
        return None
    return HeldRecord(row.kafka_offset, _bytes(row.raw_key), _bytes(row.raw_value))


def record_incarnation(conn: psycopg.Connection[Any], change: IncarnationChange) -> bool:
    """Record ``change``; False if another writer recorded that incarnation first."""
    params = {"topic": change.topic, "partition": change.partition, "incarnation": change.incarnation,
              "detected_by": change.detected_by, "ledger_end": change.ledger_end,
              "broker_start": change.broker_start, "broker_end": change.broker_end, "reason": change.reason}
    with translated_errors():
        return conn.execute(query("insert_incarnation"), params).fetchone() is not None


def incarnations(conn: psycopg.Connection[Any], topic: str) -> list[IncarnationChange]:
    with translated_errors():
        return [IncarnationChange(r.topic, r.partition, r.incarnation, r.detected_by, r.ledger_end,
                                  r.broker_start, r.broker_end, r.reason, r.detected_at)
                for r in conn.execute(query("topic_incarnations"), {"topic": topic})]


def _bytes(value: bytes | memoryview | None) -> bytes | None:
    return None if value is None else bytes(value)
