"""Appending one row to a kind with a single hash chain (seals, reads, acknowledgements).

Each such kind has a stamp query that takes its chain's lock (held to the end of the
transaction) and answers, in this order, the lock, the time, a new seq, the chain head's
position and hash, then anything its caller checks before inserting; and an insert that takes
``seq``, ``chain_pos``, ``prev_hash`` and ``hash`` beside the row's own columns. Alerts append a
batch at a time (``ledger/alerts.py``) and events chain per partition (``ledger/append.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

import psycopg

from auditlog.ledger import chain
from auditlog.ledger.sql import query


class Stamp(NamedTuple):
    at: datetime  # the row's time (the transaction's now())
    seq: int
    pos: int  # the new row's place in the chain
    prev_hash: bytes
    rest: tuple[Any, ...]  # what else the stamp query answered


def stamp(conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any]) -> Stamp:
    """Run the stamp query ``name`` (its chain's lock is then held to the end of the transaction)."""
    row = conn.execute(query(name), params).fetchone()
    assert row is not None
    _, at, seq, head_pos, head_hash, *rest = row
    head = chain.EMPTY if head_pos is None else chain.Head(int(head_pos), bytes(head_hash))
    return Stamp(at, int(seq), head.pos + 1, head.hash, tuple(rest))


def insert(conn: psycopg.Connection[Any], name: str, at: Stamp, record: bytes, columns: Mapping[str, Any]) -> None:
    """Insert the row (``columns``) with its seq and its link: ``hash = SHA-256(prev_hash || record)``."""
    conn.execute(query(name), {**columns, "seq": at.seq, "chain_pos": at.pos, "prev_hash": at.prev_hash,
                               "hash": chain.link_record(at.prev_hash, record)})
