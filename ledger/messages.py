"""The ledger's rows as the Kafka messages they arrived as: what ``auditlog replay`` sends.

Rows are streamed (a server-side cursor, a few thousand at a time, the next page fetched ahead by a
thread: ``ledger/ahead.py``) in ``seq`` order for a replay, or one partition of one topic
incarnation in offset order for a restore, with their bytes, key and headers exactly as stored.
Nothing here re-encodes anything.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from auditlog.ledger.ahead import ahead
from auditlog.ledger.db import translated_errors
from auditlog.ledger.sql import query

_PAGE = 5000


@dataclass(frozen=True)
class Selector:
    """Which events a replay sends; every field optional, all given must match."""

    from_seq: int | None = None
    to_seq: int | None = None
    start: datetime | None = None  # occurred_at >= start
    end: datetime | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    account: str | None = None
    actor: str | None = None
    partition: int | None = None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    seq: int
    topic: str
    partition: int
    incarnation: int
    offset: int
    key: bytes | None  # NULL on rows written before the ledger kept keys (migration 004)
    headers: bytes | None  # ``chain.encode_headers`` form
    value: bytes | None
    target_id: str | None  # an event's (None for a rejected message)
    kind: str = "event"


@dataclass(frozen=True)
class Extent:
    """What the ledger holds of one partition of one incarnation: ``offsets`` distinct offsets,
    from ``first`` to ``last``."""

    partition: int
    incarnation: int
    offsets: int
    first: int
    last: int

    @property
    def contiguous_from_zero(self) -> bool:
        return self.first == 0 and self.offsets == self.last + 1


def events(conn: psycopg.Connection[Any], selector: Selector) -> Generator[StoredMessage, None, None]:
    s = selector
    params = {"from_seq": s.from_seq, "to_seq": s.to_seq, "from": s.start, "to": s.end,
              "recorded_from": s.recorded_from, "recorded_to": s.recorded_to, "account": s.account,
              "actor": s.actor, "partition": s.partition}
    with translated_errors(), conn.cursor(name="replay_events") as cur:
        cur.execute(query("replay_events"), params)
        with ahead(lambda: cur.fetchmany(_PAGE)) as pages:
            for rows in pages:
                for r in rows:
                    yield StoredMessage(r[0], r[1], r[2], r[3], r[4], _bytes(r[5]), _bytes(r[6]), _bytes(r[7]), r[8])


def extents(conn: psycopg.Connection[Any], topic: str) -> list[Extent]:
    with translated_errors():
        return [Extent(r.partition, r.incarnation, int(r.offsets), int(r.first), int(r.last))
                for r in conn.execute(query("restore_extent"), {"topic": topic})]


def gaps(conn: psycopg.Connection[Any], topic: str, extent: Extent) -> list[int]:
    """The first few offsets below ``extent.last`` the ledger does not hold."""
    params = {"topic": topic, "partition": extent.partition, "incarnation": extent.incarnation, "last": extent.last}
    with translated_errors():
        return [int(r[0]) for r in conn.execute(query("restore_gaps"), params)]


def partition_messages(conn: psycopg.Connection[Any], topic: str, partition: int,
                       incarnation: int) -> Generator[StoredMessage, None, None]:
    params = {"topic": topic, "partition": partition, "incarnation": incarnation}
    with translated_errors(), conn.cursor(name=f"restore_{partition}") as cur:
        cur.execute(query("restore_messages"), params)
        with ahead(lambda: cur.fetchmany(_PAGE)) as pages:
            for rows in pages:
                for r in rows:
                    yield StoredMessage(r[1], topic, partition, incarnation, r[0], _bytes(r[3]), _bytes(r[4]),
                                        _bytes(r[5]), r[6], r[2])


def _bytes(value: bytes | memoryview | None) -> bytes | None:
    return None if value is None else bytes(value)
