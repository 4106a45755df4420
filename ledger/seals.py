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

from auditlog.ledger import chained, records
from auditlog.ledger.db import translated_errors
from auditlog.ledger.locks import SEAL_CHAIN


@dataclass(frozen=True)
class Seal:
    seq: int
    subject: str
    purpose: str
    requested_at: datetime


def seal(conn: psycopg.Connection, subject: str, purpose: str) -> Seal:
    """Append a seal in the caller's (writer's) transaction, chained under the seal chain's lock."""
    with translated_errors():
        at = chained.stamp(conn, SEAL_CHAIN, "seal_stamp")
        chained.insert(conn, "insert_seal", at, records.seal_record(at.seq, at.pos, at.at, subject, purpose),
                       {"subject": subject, "purpose": purpose, "requested_at": at.at})
    return Seal(at.seq, subject, purpose, at.at)
