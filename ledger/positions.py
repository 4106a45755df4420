"""Where the feed's consumers are, and how far each is behind what it could read now.

``feed.head`` gives the last readable row and the horizon; here are the consumers' stored
positions, how many readable rows lie after one (and since when the oldest of them waits), and
how many committed rows a long transaction holds above the horizon, where no reader can go yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from auditlog.ledger import kinds
from auditlog.ledger.db import translated_errors
from auditlog.ledger.feed import Position

# where every feed consumer has read to, with the time of the row it read last (of any kind)
_STORED = ("SELECT p.consumer, p.txid::text::bigint AS txid, p.seq, p.updated_at, "
           f"{kinds.feed_recorded_at_sql()} AS recorded_at FROM feed_positions p ORDER BY p.consumer")
COUNT_CAP = 1_000_000  # rows counted at most: a backlog that long says enough, and lag stays fast


@dataclass(frozen=True)
class StoredPosition:
    consumer: str
    position: Position
    updated_at: datetime
    recorded_at: datetime | None  # of the row it read last


@dataclass(frozen=True)
class Behind:
    rows: int  # readable rows after the position (at most COUNT_CAP)
    oldest: datetime | None  # recorded_at of the oldest of them


def stored(conn: psycopg.Connection[Any]) -> list[StoredPosition]:
    with translated_errors():
        return [StoredPosition(r.consumer, Position(r.txid, r.seq), r.updated_at, r.recorded_at)
                for r in conn.execute(_STORED)]


def behind(conn: psycopg.Connection[Any], after: Position, cap: int = COUNT_CAP) -> Behind:
    with translated_errors():
        row = conn.execute(kinds.feed_behind_sql(), {"txid": str(after.txid), "seq": after.seq, "cap": cap}).fetchone()
    return Behind(0, None) if row is None else Behind(int(row.rows), row.oldest)


def held(conn: psycopg.Connection[Any], cap: int = COUNT_CAP) -> int:
    """Committed rows at or above the horizon (a transaction still running holds them back)."""
    with translated_errors():
        row = conn.execute(kinds.feed_held_sql(), {"cap": cap}).fetchone()
    return 0 if row is None else int(row.rows)
