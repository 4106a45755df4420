"""Tree checkpoints: the tree's size and root in a c2sp.org/tlog-checkpoint signed note.

``sign`` signs the size the tree builder last committed, after proving it consistent with the
largest checkpoint signed before (a consistency proof made from the tiles and verified against
both roots, under a lock so two signers cannot both pass against the same one): the log never
signs two trees of which one does not extend the other. The note goes into ``checkpoints``
(kind ``tree``: the note's text as body, the raw signature) and, once committed, into the
export file as ``{"kind": "tree", "id", "key_id", "note"}``.
"""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auditlog.domain.errors import AuditError
from auditlog.ledger import checkpoints, merkle, note, tree
from auditlog.ledger.db import translated_errors
from auditlog.ledger.keys import key_id
from auditlog.ledger.locks import TREE_SIGN
from auditlog.ledger.sql import query


class InconsistentTree(AuditError):
    """The tree is not an extension of a checkpoint already signed: never sign it."""


@dataclass(frozen=True)
class TreeCheckpoint:
    id: int | None
    key_id: str
    text: str  # the checkpoint's text: what was signed
    signature: bytes  # as the note's signature line carries it: the 4-byte key ID, then the Ed25519 signature
    size: int
    root: bytes
    origin: str

    def note(self) -> str:
        """The signed note (text, empty line, signature line)."""
        return f"{self.text}\n\u2014 {self.origin} {base64.b64encode(self.signature).decode()}\n"

    def export_line(self) -> str:
        return json.dumps({"kind": "tree", "id": self.id, "key_id": self.key_id, "note": self.note()},
                          sort_keys=True) + "\n"


def sign(conn: psycopg.Connection, key: Ed25519PrivateKey, origin: str) -> TreeCheckpoint | None:
    """Sign the tree the builder last committed, in the caller's (writer's) transaction; None if
    nothing is built or the largest checkpoint already has this size."""
    with translated_errors():
        conn.execute(query("durable_commit"))
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (TREE_SIGN.key,))
        size, root = tree.size(conn)
        if size == 0:
            return None
        last = conn.execute(query("last_tree_checkpoint")).fetchone()
    if last is not None:
        old_size, old_root = int(last[1]), bytes(last[2])
        if old_size == size and old_root == root:
            return None
        check_consistent(conn, old_size, old_root, size, root)
    text = note.Checkpoint(origin, size, root).text()
    signed = note.sign(text, origin, key)
    _, signatures = note.split(signed)
    blob = signatures[0].key_id + signatures[0].signature  # what the note's signature line carries
    kid = key_id(key.public_key())
    with translated_errors():
        row = conn.execute(query("insert_tree_checkpoint"), {
            "key_id": kid, "body": text.encode("utf-8"), "signature": blob, "tree_size": size,
            "root_hash": root}).fetchone()
    assert row is not None
    return TreeCheckpoint(int(row[0]), kid, text, blob, size, root, origin)


def check_consistent(conn: psycopg.Connection, old_size: int, old_root: bytes, new_size: int,
                     new_root: bytes) -> None:
    """Raise ``InconsistentTree`` unless the tree of ``new_size`` extends the signed one."""
    if new_size < old_size:
        raise InconsistentTree(f"the tree has {new_size} leaves, fewer than the {old_size} of a checkpoint "
                               "already signed: refusing to sign")
    try:
        proof = merkle.consistency_proof(old_size, new_size, tree.TileCache(conn).node_reader())
        merkle.verify_consistency(old_size, new_size, old_root, new_root, proof)
    except (merkle.ProofError, AuditError) as exc:
        reason = exc.reason if isinstance(exc, AuditError) else str(exc)
        raise InconsistentTree(f"the tree of {new_size} does not extend the signed checkpoint of {old_size} "
                               f"({reason}): refusing to sign") from exc


def stored(conn: psycopg.Connection, origin: str) -> list[TreeCheckpoint]:
    with translated_errors():
        rows = conn.execute(query("tree_checkpoints")).fetchall()
    return [_row(r, origin) for r in rows]


def covering(conn: psycopg.Connection, index: int, origin: str, *, smallest: bool = False) -> TreeCheckpoint | None:
    """The newest (or the smallest) tree checkpoint that holds leaf ``index``."""
    with translated_errors():
        row = conn.execute(query("tree_checkpoint_covering"), {"index": index, "smallest": smallest}).fetchone()
    return None if row is None else _row(row, origin)


def _row(row: tuple[object, ...], origin: str) -> TreeCheckpoint:
    text = bytes(row[2]).decode("utf-8")  # type: ignore[call-overload]
    with contextlib.suppress(note.NoteError):
        origin = note.parse_checkpoint(text).origin  # the origin it was signed under
    return TreeCheckpoint(int(row[0]), str(row[1]), text, bytes(row[3]), int(row[4]),  # type: ignore[call-overload]
                          bytes(row[5]), origin)  # type: ignore[call-overload]


def append_export(path: Path, checkpoint: TreeCheckpoint) -> None:
    from auditlog.ledger.checkpoints import append_line

    append_line(path, checkpoint.export_line())


def exported(path: Path) -> list[str]:
    """The signed notes of the tree checkpoints in the export file."""
    if not path.exists():
        return []
    return [str(data["note"]) for _, data in checkpoints.export_lines(path) if data.get("kind") == "tree"]
