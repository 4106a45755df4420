"""``verify``: recompute every chain and hold it against every signed checkpoint.

Reads the ledger once in ``seq`` order, streamed with COPY, each row with its
canonical record (``ledger/chain.py``) already made by the query
(``queries/chain_records.sql``). For each row it checks, against the chain so
far: ``chain_pos`` is one more, ``prev_hash`` is the previous row's hash, and
``hash`` is SHA-256(prev_hash || record), computed here. Then each checkpoint,
from the database and from the export file: its signature, that the file's are
all still in the database, and that its chains still have the row it signed at
that position with that hash. The other record kinds' chains (rejected messages,
seals: ``ledger/kinds.py``) are checked the same way, then the Merkle tree is rebuilt
from the ledger and held against the stored one and the signed tree checkpoints
(``verify_tree.py``). The report names the first bad row in ledger order, else the
first bad checkpoint, else the first problem of the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from auditlog.ledger import chain, note
from auditlog.ledger.checkpoints import ChainHead, SignedCheckpoint, stored
from auditlog.ledger.db import translated_errors
from auditlog.ledger.kinds import BY_NAME, EVENT, KINDS, chain_records_sql
from auditlog.ledger.sql import query
from auditlog.ledger.verify_tree import TreeReport, verify_tree

_PROGRESS_EVERY = 20_000  # rows between progress calls
# the columns of chain_records.sql: a binary COPY does not say what they are
_RECORD_TYPES = ("text", "int4", "int8", "int8", "int8", "bytea", "bytea", "bytea")


@dataclass
class Report:
    ok: bool = True
    events: int = 0
    chains: int = 0
    checkpoints: int = 0
    bad_rows: int = 0
    signatures_checked: bool = False
    first_bad: dict[str, Any] | None = None
    checkpoint_problems: list[dict[str, Any]] = field(default_factory=list)
    other_rows: dict[str, int] = field(default_factory=dict)  # rows of each other kind
    unchained: int = 0  # rejected rows written before migration 006 (no chain)
    tree: TreeReport | None = None

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "chains": self.chains, "checkpoints": self.checkpoints,
                "bad_rows": self.bad_rows, "other_rows": self.other_rows, "unchained": self.unchained,
                "tree": self.tree.as_json() if self.tree else None,
                "signatures_checked": self.signatures_checked, "first_bad": self.first_bad}


@dataclass
class _Expectation:
    checkpoint: SignedCheckpoint
    head: ChainHead
    found: bytes | None = None


def verify(
    conn: psycopg.Connection,
    *,
    public_key: Ed25519PublicKey | None = None,
    keys: Sequence[Ed25519PublicKey] | None = None,
    exported: Sequence[SignedCheckpoint] = (),
    progress: Callable[[int, int], None] | None = None,
    origin: str | None = None,
    exported_notes: Sequence[str] = (),
) -> Report:
    """Verify the whole ledger; ``progress(done, total)`` is called every few thousand rows.
    ``keys``: every trusted public key (``public_key``: the one of before key rotation); none:
    signatures are not checked. ``origin``: the log's, whose tree checkpoints are checked (None:
    the tree is not)."""
    trusted = list(keys) if keys is not None else ([public_key] if public_key is not None else None)
    report = Report(signatures_checked=trusted is not None)
    in_db = stored(conn)
    checkpoints = _checked_checkpoints(in_db, exported, trusted, report)
    expected: dict[tuple[str, int, int], list[_Expectation]] = {}
    other: dict[tuple[str, str, int], list[_Expectation]] = {}
    for cp in checkpoints:
        for head in cp.chains():
            if head.kind == EVENT.name:
                expected.setdefault((head.topic, head.partition, head.count), []).append(_Expectation(cp, head))
            else:
                other.setdefault((head.kind, _chain_name(head), head.count), []).append(_Expectation(cp, head))
    with translated_errors():
        # counting is a pass over the table of its own: only a progress bar needs it
        total = int(conn.execute(query("count_events")).fetchone()[0]) if progress else 0  # type: ignore[index]
        heads = _scan(conn, report, expected, total, progress)
    report.chains = len(heads)
    other_heads = _scan_other_kinds(conn, report, other)
    report.chains += len(other_heads)
    for (kind, name, count), items in sorted(other.items()):
        for item in items:
            have = other_heads.get((kind, name), chain.EMPTY).pos
            if item.found is None:
                _checkpoint_problem(report, item.checkpoint, "chain is shorter than the checkpoint says",
                                    chain_kind=kind, chain=name, expected={"count": count}, found={"count": have})
            elif item.found != item.head.head_hash:
                _checkpoint_problem(report, item.checkpoint, "row at the checkpoint's head has another hash",
                                    chain_kind=kind, chain=name, seq=item.head.head_seq,
                                    expected=item.head.head_hash.hex(), found=item.found.hex())
    for (topic, partition, count), items in sorted(expected.items()):
        for item in items:
            if item.found is None:
                have = heads.get((topic, partition), chain.EMPTY).pos
                _checkpoint_problem(report, item.checkpoint, "chain is shorter than the checkpoint says",
                                    topic=topic, partition=partition, expected={"count": count},
                                    found={"count": have})
            elif item.found != item.head.head_hash:
                _checkpoint_problem(report, item.checkpoint, "row at the checkpoint's head has another hash",
                                    topic=topic, partition=partition, seq=item.head.head_seq,
                                    expected=item.head.head_hash.hex(), found=item.found.hex())
    if report.first_bad is None and report.checkpoint_problems:
        report.first_bad = report.checkpoint_problems[0]
    if origin is not None:
        verifiers = None if trusted is None else [note.verifier(origin, k) for k in trusted]
        report.tree = verify_tree(conn, origin=origin, trusted=verifiers, exported=exported_notes)
        if report.first_bad is None and report.tree.problems:
            report.first_bad = report.tree.problems[0]
    report.ok = report.first_bad is None
    return report


def _chain_name(head: ChainHead) -> str:
    return f"{head.topic}/{head.partition}" if BY_NAME[head.kind].chain else ""


def _scan_other_kinds(conn: psycopg.Connection, report: Report,
                      expected: dict[tuple[str, str, int], list[_Expectation]]) -> dict[tuple[str, str], chain.Head]:
    """The chains of every kind but events (a few rows: a plain loop)."""
    heads: dict[tuple[str, str], chain.Head] = {}
    for kind in KINDS:
        if kind is EVENT:
            continue
        count = 0
        with translated_errors():
            rows = conn.execute(chain_records_sql(kind), binary=True)
            for name, seq, pos, record, prev_hash, stored_hash in rows:
                count += 1
                key = (kind.name, name)
                head = heads.get(key, chain.EMPTY)
                if pos is None and key not in heads:
                    report.unchained += 1  # written before its kind had a chain
                    continue
                if pos is None or pos != head.pos + 1 or prev_hash != head.hash \
                        or chain.link_record(head.hash, record) != stored_hash:
                    report.bad_rows += 1
                    if report.first_bad is None:
                        report.first_bad = {"kind": "row", "record_kind": kind.name, "chain": name, "seq": seq,
                                            "problem": "the row does not follow its chain (changed, missing "
                                                       "or moved)"}
                    if pos is None or stored_hash is None:
                        continue
                heads[key] = chain.Head(int(pos), bytes(stored_hash))
                for item in expected.get((kind.name, name, int(pos)), []):
                    item.found = bytes(stored_hash)
        report.other_rows[kind.name] = count
    return heads


def _scan(
    conn: psycopg.Connection,
    report: Report,
    expected: dict[tuple[str, int, int], list[_Expectation]],
    total: int,
    progress: Callable[[int, int], None] | None,
) -> dict[tuple[str, int], chain.Head]:
    heads: dict[tuple[str, int], tuple[int, bytes]] = {}  # plain tuples, not Heads: this loop runs per row
    empty = (chain.EMPTY.pos, chain.EMPTY.hash)
    link = chain.link_record
    done = 0
    # COPY streams (one statement, one snapshot): the server makes rows while this loop
    # hashes them, where a cursor's fetchmany leaves one side idle while the other works
    statement = f"COPY (\n{query('chain_records')}\n) TO STDOUT (FORMAT BINARY)"
    with conn.cursor() as cur, cur.copy(statement) as copy:
        copy.set_types(_RECORD_TYPES)
        for row in copy.rows():
            topic, partition, _seq, _offset, pos, record, prev_hash, stored_hash = row
            key = (topic, partition)
            head_pos, head_hash = heads.get(key, empty)
            if pos != head_pos + 1 or prev_hash != head_hash or link(head_hash, record) != stored_hash:
                _row_problem(report, row, chain.Head(head_pos, head_hash))
            # go on from what is stored, so one bad row is reported once, not for the whole tail
            heads[key] = (pos, stored_hash)
            if (topic, partition, pos) in expected:
                for item in expected[(topic, partition, pos)]:
                    item.found = stored_hash
            done += 1
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress(done, total)
    if progress is not None and done % _PROGRESS_EVERY:
        progress(done, total)
    report.events = done
    return {key: chain.Head(pos, head_hash) for key, (pos, head_hash) in heads.items()}


def _row_problem(report: Report, row: Sequence[Any], head: chain.Head) -> None:
    report.bad_rows += 1
    if report.first_bad is not None:
        return
    topic, partition, seq, offset, pos, record, prev_hash, stored_hash = row
    where = {"kind": "row", "topic": topic, "partition": partition, "seq": seq, "kafka_offset": offset}
    if pos != head.pos + 1:
        where.update(problem="chain_pos does not follow the previous row (a row missing or moved)",
                     expected=head.pos + 1, found=pos)
    elif prev_hash != head.hash:
        where.update(problem="prev_hash is not the previous row's hash (a row missing or moved)",
                     expected=head.hash.hex(), found=prev_hash.hex())
    else:
        computed = chain.link_record(head.hash, record)
        where.update(problem="hash does not match the row's contents (the row was changed)",
                     expected=computed.hex(), found=stored_hash.hex())
    report.first_bad = where


def _checked_checkpoints(
    in_db: Sequence[SignedCheckpoint], exported: Sequence[SignedCheckpoint],
    trusted: Sequence[Ed25519PublicKey] | None, report: Report,
) -> list[SignedCheckpoint]:
    """Every distinct checkpoint whose signature holds; problems for the others."""
    db_keys = {(cp.body, cp.signature) for cp in in_db}
    for cp in exported:
        if (cp.body, cp.signature) not in db_keys:
            _checkpoint_problem(report, cp, "exported checkpoint is missing from the database")
    seen: set[tuple[bytes, bytes]] = set()
    good = []
    for cp in [*in_db, *exported]:
        if (cp.body, cp.signature) in seen:
            continue
        seen.add((cp.body, cp.signature))
        if trusted is not None and not any(cp.signed_by(key) for key in trusted):
            _checkpoint_problem(report, cp, "signature does not verify with the signing key")
            continue
        good.append(cp)
    report.checkpoints = len(good)
    return good


def _checkpoint_problem(report: Report, cp: SignedCheckpoint, problem: str, **details: Any) -> None:
    report.checkpoint_problems.append({"kind": "checkpoint", "checkpoint": cp.id, "problem": problem, **details})
