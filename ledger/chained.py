"""Appending one row to a kind with a single hash chain (seals, acknowledgements).

Each such kind has a lock (``ledger/locks.py``, held to the end of the transaction), a stamp
query that answers, in this order, the time, a new seq, the chain head's position and hash, then
anything its caller checks before inserting; and an insert that takes
``seq``, ``chain_pos``, ``prev_hash`` and ``hash`` beside the row's own columns. Alerts and reads
append a batch at a time under their lock (``locked``; ``ledger/alerts.py``, ``ledger/access.py``)
and events chain per partition (``ledger/append.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

import psycopg

from auditlog.ledger import chain
from auditlog.ledger.locks import LockKey
from auditlog.ledger.sql import query


class Stamp(NamedTuple):
    at: datetime  # the row's time (the transaction's now())
    seq: int
    pos: int  # the new row's place in the chain
    prev_hash: bytes
    rest: tuple[Any, ...]  # what else the stamp query answered


def stamp(conn: psycopg.Connection[Any], lock: LockKey, name: str, params: Mapping[str, Any] | None = None) -> Stamp:
    """Take the chain's ``lock`` (held to the end of the transaction), then run its stamp query."""
    row = locked(conn, lock, name, params or {})
    at, seq, head_pos, head_hash, *rest = row
    head = chain.EMPTY if head_pos is None else chain.Head(int(head_pos), bytes(head_hash))
    return Stamp(at, int(seq), head.pos + 1, head.hash, tuple(rest))


def locked(conn: psycopg.Connection[Any], lock: LockKey, name: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """Take ``lock``, then run the query ``name``, in that order and as two statements, in one
    round trip; its row. The query must be a statement of its own: a statement reads on the
    snapshot taken when it began, and one that waited for the lock would not see what the lock's
    last holder committed meanwhile (two rows would then share one chain link)."""
    with conn.pipeline():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock.key,))
        cursor = conn.execute(query(name), params)
    row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def insert(conn: psycopg.Connection[Any], name: str, at: Stamp, record: bytes, columns: Mapping[str, Any]) -> None:
    """Insert the row (``columns``) with its seq and its link: ``hash = SHA-256(prev_hash || record)``."""
    conn.execute(query(name), {**columns, "seq": at.seq, "chain_pos": at.pos, "prev_hash": at.prev_hash,
                               "hash": chain.link_record(at.prev_hash, record)})
