"""Tokens of the HTTP API, and the reads log.

A token is stored as the SHA-256 of its text only; a revocation is a row of its own
(``token_revocations``), never an edit. A read is a ledger row of its own kind (``kinds.READ``):
``record_read`` appends it, chained under the read chain's lock, in the caller's transaction (the
reader role may append reads, so whoever may read can be recorded); the caller commits it before it answers the read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from auditlog.domain.errors import AuditError
from auditlog.ledger import chain, chained, records
from auditlog.ledger.db import translated_errors
from auditlog.ledger.locks import READ_CHAIN
from auditlog.ledger.sql import query


class TokenRefused(AuditError):
    """The read's token may not read now: ``why`` is revoked, expired or unknown."""

    def __init__(self, token_id: str | None, why: str) -> None:
        super().__init__(f"token {token_id} was revoked" if why == "revoked" else
                         f"token {token_id} has expired" if why == "expired" else "the bearer token is unknown")
        self.why = why


@dataclass(frozen=True)
class StoredToken:
    id: str
    role: str
    scopes: tuple[str, ...]
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    expired: bool = False  # as the database's clock says, when it was looked up


@dataclass(frozen=True)
class Read:
    """A read of ledger contents, about to be recorded."""

    token_id: str | None
    role: str
    case_id: str | None
    route: str
    params: str  # canonical JSON text
    client: str


@dataclass(frozen=True)
class StoredRead:
    seq: int
    read_at: datetime
    token_id: str | None
    role: str
    case_id: str | None
    route: str
    params: str
    client: str


@dataclass(frozen=True)
class ReadFilter:
    case_id: str | None = None
    token_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    before: int | None = None  # seq: the page after one that ended there


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _token(r: Any, expired: bool = False) -> StoredToken:
    return StoredToken(r.id, r.role, tuple(r.scopes), r.created_at, r.created_by, r.expires_at, r.revoked_at,
                       r.revoked_by, expired)


def create_token(conn: psycopg.Connection[Any], token_id: str, token: str, role: str, scopes: Sequence[str],
                 expires_in_s: int, created_by: str) -> StoredToken:
    with translated_errors():
        row = conn.execute(query("insert_token"), {
            "id": token_id, "role": role, "scopes": list(scopes), "created_by": created_by,
            "seconds": expires_in_s, "token_hash": token_hash(token)}).fetchone()
    assert row is not None
    return StoredToken(token_id, role, tuple(scopes), row.created_at, created_by, row.expires_at, None, None)


def find_token(conn: psycopg.Connection[Any], token: str) -> StoredToken | None:
    with translated_errors():
        row = conn.execute(query("token_by_hash"), {"token_hash": token_hash(token)}).fetchone()
    return None if row is None else _token(row, bool(row.expired))


def list_tokens(conn: psycopg.Connection[Any]) -> list[StoredToken]:
    with translated_errors():
        return [_token(r) for r in conn.execute(query("tokens_list")).fetchall()]


def revoke_token(conn: psycopg.Connection[Any], token_id: str, revoked_by: str) -> bool | None:
    """True: revoked now; False: it was already; None: no such token."""
    with translated_errors():
        row = conn.execute(query("revoke_token"), {"id": token_id, "revoked_by": revoked_by}).fetchone()
    assert row is not None
    if not row.known:
        return None
    return bool(row.added)


def record_read(conn: psycopg.Connection[Any], read: Read) -> StoredRead:
    """Append a read in the caller's transaction (``record_reads``); ``TokenRefused`` if its token
    may not read now."""
    (answer,) = record_reads(conn, [read])
    if isinstance(answer, TokenRefused):
        raise answer
    return answer


# insert_reads.sql's arrays, in the order record_reads fills them
_READ_COLUMNS = ("seq", "token_id", "role", "case_id", "route", "params", "client", "chain_pos", "prev_hash", "hash")


def record_reads(conn: psycopg.Connection[Any], reads: Sequence[Read]) -> list[StoredRead | TokenRefused]:
    """Append ``reads`` in the caller's transaction, in order, chained under the read chain's lock
    (taken once for all of them: the API records the reads of requests that arrive together in one
    transaction). Each answer is the stored read, or why its token may not read now (revoked or
    expired since it was looked up: checked with the append, and that read is not appended)."""
    with translated_errors():
        read_at, seqs, head_pos, head_hash, refusals = chained.locked(
            conn, READ_CHAIN, "read_stamp", {"token_ids": [r.token_id for r in reads]})
        head = chain.EMPTY if head_pos is None else chain.Head(int(head_pos), bytes(head_hash))
        pos, prev_hash = head.pos, head.hash
        columns: dict[str, list[Any]] = {name: [] for name in _READ_COLUMNS}
        answers: list[StoredRead | TokenRefused] = []
        for read, seq, refusal in zip(reads, seqs, refusals, strict=True):
            if refusal:
                answers.append(TokenRefused(read.token_id, refusal))
                continue
            pos += 1
            record = records.read_record(seq, pos, read_at, read.token_id, read.role, read.case_id, read.route,
                                         read.params, read.client)
            link = chain.link_record(prev_hash, record)
            for name, value in zip(_READ_COLUMNS, (seq, read.token_id, read.role, read.case_id, read.route, read.params,
                                                   read.client, pos, prev_hash, link), strict=True):
                columns[name].append(value)
            prev_hash = link
            answers.append(StoredRead(seq, read_at, read.token_id, read.role, read.case_id, read.route, read.params,
                                      read.client))
        if columns["seq"]:
            conn.execute(query("insert_reads"), {"read_at": read_at, **columns})
    return answers


def list_reads(conn: psycopg.Connection[Any], where: ReadFilter, limit: int) -> list[StoredRead]:
    params = {"case_id": where.case_id, "token_id": where.token_id, "from": where.start, "to": where.end,
              "before": where.before, "limit": limit}
    with translated_errors():
        return [StoredRead(r.seq, r.read_at, r.token_id, r.role, r.case_id, r.route, r.params, r.client)
                for r in conn.execute(query("reads_list"), params).fetchall()]
