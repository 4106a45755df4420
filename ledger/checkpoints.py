"""Signed checkpoints: the heads and lengths of every chain, signed with Ed25519.

A checkpoint's body is canonical JSON (sorted keys, no spaces, UTF-8)::

    {"chains": [{"count": N, "head_hash": "<hex>", "head_seq": S, "kind": K, "partition": P, "topic": T}, ...],
     "created_at": "<ISO-8601>", "events": <sum of the event chains' counts>, "v": 2}

with one chain per record kind and name (``ledger/kinds.py``: events and rejected messages per
topic and partition, one chain of seals with topic "" and partition 0). Version 1 bodies (before
migration 006) have no ``kind``: every chain in them is an event chain, and they verify as they
always did. Tree checkpoints (signed notes) are another kind of row: ``tree_checkpoints.py``.

It is stored in ``checkpoints`` and then appended, as one JSON line
``{"id", "key_id", "body", "signature"}`` (body as text, signature in hex), to
the export file (``AUDITLOG_CHECKPOINT_EXPORT``), which lives outside the
database: someone who deletes the last rows of a chain *and* the checkpoints
rows that covered them is still caught by the exported copy.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from auditlog.domain.errors import AuditError
from auditlog.ledger.db import translated_errors
from auditlog.ledger.keys import key_id
from auditlog.ledger.kinds import EVENT, KINDS, chain_heads_sql
from auditlog.ledger.sql import query


@dataclass(frozen=True)
class ChainHead:
    topic: str
    partition: int
    count: int
    head_seq: int
    head_hash: bytes
    kind: str = "event"


@dataclass(frozen=True)
class SignedCheckpoint:
    id: int | None
    key_id: str
    body: bytes
    signature: bytes

    def chains(self) -> list[ChainHead]:
        try:
            data = json.loads(self.body)
            return [ChainHead(c["topic"], int(c["partition"]), int(c["count"]), int(c["head_seq"]),
                              bytes.fromhex(c["head_hash"]), c.get("kind", "event")) for c in data["chains"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(f"checkpoint {self.id}: unreadable body: {exc}") from exc

    def signed_by(self, public: Ed25519PublicKey) -> bool:
        if self.key_id != key_id(public):
            return False
        try:
            public.verify(self.signature, self.body)
        except InvalidSignature:
            return False
        return True

    def export_line(self) -> str:
        return json.dumps({"id": self.id, "key_id": self.key_id, "body": self.body.decode("utf-8"),
                           "signature": self.signature.hex()}, sort_keys=True) + "\n"


def canonical_body(created_at: datetime, heads: list[ChainHead]) -> bytes:
    chains = [{"kind": h.kind, "topic": h.topic, "partition": h.partition, "count": h.count,
               "head_seq": h.head_seq, "head_hash": h.head_hash.hex()} for h in heads]
    body: dict[str, Any] = {"v": 2, "created_at": created_at.isoformat(),
                            "events": sum(h.count for h in heads if h.kind == "event"), "chains": chains}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(conn: psycopg.Connection, key: Ed25519PrivateKey) -> SignedCheckpoint | None:
    """Sign the current chain heads and store the checkpoint, in the caller's transaction,
    whose commit then waits for its WAL flush (and so every batch before it), whatever the
    server's synchronous_commit. Returns None when the ledger is empty. The caller appends it
    to the export file only once that commit is done (``Ledger.checkpoint``), so the file
    never holds a checkpoint the database lost; a crash in between leaves the file one
    checkpoint behind, which the next one makes up for."""
    with translated_errors():
        conn.execute(query("durable_commit"))
        rows = conn.execute(query("checkpoint_heads")).fetchall()
        heads = [ChainHead(t, int(p), int(pos), int(seq), bytes(h)) for _, t, p, seq, pos, h in rows]
        heads += other_chain_heads(conn)
        if not heads:
            return None
        now = conn.execute("SELECT now()").fetchone()
        assert now is not None
        created_at: datetime = now[0]
        body = canonical_body(created_at, heads)
        signature = key.sign(body)
        kid = key_id(key.public_key())
        row = conn.execute(query("insert_checkpoint"), {
            "created_at": created_at, "key_id": kid, "body": body, "signature": signature}).fetchone()
        assert row is not None
    return SignedCheckpoint(int(row[0]), kid, body, signature)


def other_chain_heads(conn: psycopg.Connection) -> list[ChainHead]:
    """The heads of every chain of the kinds other than events."""
    heads = []
    for kind in KINDS:
        if kind is EVENT:
            continue
        for row in conn.execute(chain_heads_sql(kind)).fetchall():
            *name, seq, pos, head_hash = row
            topic, partition = (str(name[0]), int(name[1])) if kind.chain else ("", 0)
            heads.append(ChainHead(topic, partition, int(pos), int(seq), bytes(head_hash), kind.name))
    return heads


def append_export(path: Path, checkpoint: SignedCheckpoint) -> None:
    append_line(path, checkpoint.export_line())


def append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # one write() of one line with O_APPEND: concurrent writers never interleave lines
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def stored(conn: psycopg.Connection) -> list[SignedCheckpoint]:
    with translated_errors():
        return [SignedCheckpoint(int(i), k, bytes(b), bytes(s))
                for i, k, b, s in conn.execute(query("checkpoints")).fetchall()]


def exported(path: Path) -> list[SignedCheckpoint]:
    """Checkpoints in the export file; a missing file holds none."""
    return list(_read_export(path)) if path.exists() else []


def export_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The export file's checkpoint lines as (line number, JSON object); chain and tree
    checkpoints share the file, and each reader takes its own kind."""
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                raise AuditError(f"{path}:{number}: not a checkpoint line: {exc}") from exc
            if not isinstance(data, dict):
                raise AuditError(f"{path}:{number}: not a checkpoint line: not a JSON object")
            yield number, data


def _read_export(path: Path) -> Iterator[SignedCheckpoint]:
    for number, data in export_lines(path):
        if data.get("kind") == "tree":
            continue  # a tree checkpoint (tree_checkpoints.exported)
        try:
            yield SignedCheckpoint(data.get("id"), data["key_id"], data["body"].encode("utf-8"),
                                   bytes.fromhex(data["signature"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AuditError(f"{path}:{number}: not a checkpoint line: {exc}") from exc
