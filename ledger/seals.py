"""Seals: "a bundle of SUBJECT is being made now", appended to the ledger before the bundle is.

A seal is a ledger row like any other (its own kind, ``kinds.SEAL``), so the tree builder gives
its leaf the index of the subject's previous leaf. A bundle then proves it holds every event of
its subject up to the seal: walking back from the seal's leaf through each leaf's ``prev`` must
meet exactly the bundle's events (README, "Evidence"). All seals form one hash chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from auditlog.ledger import chain, records
from auditlog.ledger.db import translated_errors
from auditlog.ledger.locks import SEAL_CHAIN
from auditlog.ledger.sql import query


@dataclass(frozen=True)
class Seal:
    seq: int
    subject: str
    purpose: str
    requested_at: datetime


def seal(conn: psycopg.Connection, subject: str, purpose: str) -> Seal:
    """Append a seal in the caller's (writer's) transaction, chained under the seal chain's lock."""
    with translated_errors():
        row = conn.execute(query("seal_stamp"), {"lock": SEAL_CHAIN.key}).fetchone()
        assert row is not None
        _, requested_at, seq, head_pos, head_hash = row
        head = chain.EMPTY if head_pos is None else chain.Head(int(head_pos), bytes(head_hash))
        pos = head.pos + 1
        new_hash = chain.link_record(head.hash, records.seal_record(seq, pos, requested_at, subject, purpose))
        conn.execute(query("insert_seal"), {
            "seq": seq, "subject": subject, "purpose": purpose, "requested_at": requested_at, "chain_pos": pos,
            "prev_hash": head.hash, "hash": new_hash})
    return Seal(int(seq), subject, purpose, requested_at)
