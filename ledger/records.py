"""Canonical records of the ledger's other kinds, and the leaf record the Merkle tree hashes.

Events have theirs in ``ledger/chain.py``. Here, in the same notation (int64: 8 bytes
big-endian; field: 4-byte big-endian length then the bytes, ``FF FF FF FF`` for NULL; times in
microseconds since the epoch):

A rejected message (``record_version`` of its own, in the magic)::

    b"auditlog.rejected.v1\\0"
    int64  seq, id, partition, kafka_offset, chain_pos, received_at, incarnation
    field  topic, reason                   UTF-8
    field  raw_key, raw_value, raw_headers bytes as stored

A seal (a bundle's "made now", ``ledger/seals.py``)::

    b"auditlog.seal.v1\\0"
    int64  seq, chain_pos, requested_at
    field  subject, purpose                UTF-8

An alert (``ledger/alerts.py``)::

    b"auditlog.alert.v1\\0"
    int64  seq, id, chain_pos, event_seq, occurred_at, raised_at
    byte   late                            01 or 00
    field  event_id, related_event_id      the UUID's 16 bytes
    field  linked_alert_id                 int64
    field  rule, severity, actor_id, target_id, summary   UTF-8

A read of ledger contents (``ledger/access.py``)::

    b"auditlog.read.v1\\0"
    int64  seq, chain_pos, read_at
    field  token_id, role, case_id, route, params, client   UTF-8 (params: canonical JSON text)

An alert's acknowledgement::

    b"auditlog.alert_ack.v1\\0"
    int64  seq, chain_pos, alert_id, acked_at
    field  note, acked_by                  UTF-8

Each kind's chain is ``hash = SHA-256(prev_hash || record)`` as the events' is. The SQL
functions ``ledger_record(row)`` of migrations 006, 007 and 008 build the same bytes on the server.

The leaf of the Merkle tree for any ledger row (``leaf_record``)::

    b"auditlog.leaf.v1\\0"
    field  kind                            "event", "rejected", "seal" (UTF-8)
    field  subject                         the row's subject (an event's target_id), or NULL
    int64  prev                            index of the previous leaf with that subject, -1 if none
    field  record                          the row's canonical record, as above or chain.py's

and the tree's entry for it is ``SHA-256(leaf record)``: 32 bytes that reveal nothing of the row.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from datetime import datetime

from auditlog.ledger.chain import micros

_LEN = struct.Struct(">I")
_INT = struct.Struct(">q")
_NULL = b"\xff\xff\xff\xff"
REJECTED_MAGIC = b"auditlog.rejected.v1\x00"
SEAL_MAGIC = b"auditlog.seal.v1\x00"
ALERT_MAGIC = b"auditlog.alert.v1\x00"
ACK_MAGIC = b"auditlog.alert_ack.v1\x00"
READ_MAGIC = b"auditlog.read.v1\x00"
LEAF_MAGIC = b"auditlog.leaf.v1\x00"
NO_PREV = -1


def field(value: bytes | str | None) -> bytes:
    if value is None:
        return _NULL
    data = value.encode("utf-8") if isinstance(value, str) else value
    return _LEN.pack(len(data)) + data


def rejected_record(seq: int, id: int, partition: int, offset: int, chain_pos: int, received_at: datetime,
                    incarnation: int, topic: str, reason: str, raw_key: bytes | None, raw_value: bytes | None,
                    raw_headers: bytes | None) -> bytes:
    return (REJECTED_MAGIC + struct.pack(">qqqqqqq", seq, id, partition, offset, chain_pos, micros(received_at),
                                         incarnation)
            + field(topic) + field(reason) + field(raw_key) + field(raw_value) + field(raw_headers))


def seal_record(seq: int, chain_pos: int, requested_at: datetime, subject: str, purpose: str) -> bytes:
    return SEAL_MAGIC + struct.pack(">qqq", seq, chain_pos, micros(requested_at)) + field(subject) + field(purpose)


def alert_record(seq: int, id: int, chain_pos: int, event_seq: int, occurred_at: datetime, raised_at: datetime,
                 late: bool, event_id: str, related_event_id: str | None, linked_alert_id: int | None, rule: str,
                 severity: str, actor_id: str, target_id: str, summary: str) -> bytes:
    related = None if related_event_id is None else uuid.UUID(related_event_id).bytes
    linked = None if linked_alert_id is None else _INT.pack(linked_alert_id)
    return (ALERT_MAGIC + struct.pack(">qqqqqq", seq, id, chain_pos, event_seq, micros(occurred_at),
                                      micros(raised_at))
            + (b"\x01" if late else b"\x00") + field(uuid.UUID(event_id).bytes) + field(related) + field(linked)
            + field(rule) + field(severity) + field(actor_id) + field(target_id) + field(summary))


def ack_record(seq: int, chain_pos: int, alert_id: int, acked_at: datetime, note: str, acked_by: str) -> bytes:
    return (ACK_MAGIC + struct.pack(">qqqq", seq, chain_pos, alert_id, micros(acked_at))
            + field(note) + field(acked_by))


def read_record(seq: int, chain_pos: int, read_at: datetime, token_id: str | None, role: str, case_id: str | None,
                route: str, params: str, client: str) -> bytes:
    return (READ_MAGIC + struct.pack(">qqq", seq, chain_pos, micros(read_at)) + field(token_id) + field(role)
            + field(case_id) + field(route) + field(params) + field(client))


def leaf_record(kind: str, subject: str | None, prev: int, record: bytes) -> bytes:
    return LEAF_MAGIC + field(kind) + field(subject) + _INT.pack(prev) + field(record)


def entry(leaf: bytes) -> bytes:
    """The tree's entry for a leaf record: its SHA-256."""
    return hashlib.sha256(leaf).digest()


def parse_leaf(leaf: bytes) -> tuple[str, str | None, int, bytes]:
    """``leaf_record`` reversed: (kind, subject, prev, record); ValueError if it is not one."""
    if not leaf.startswith(LEAF_MAGIC):
        raise ValueError("not an auditlog leaf record (bad magic)")
    at = len(LEAF_MAGIC)
    parts: list[bytes | None] = []
    for step in range(3):
        if step == 2:
            (prev,) = _INT.unpack_from(leaf, at)
            at += 8
        if leaf[at:at + 4] == _NULL:
            parts.append(None)
            at += 4
            continue
        if len(leaf) < at + 4:
            raise ValueError("leaf record is truncated")
        (size,) = _LEN.unpack_from(leaf, at)
        if len(leaf) < at + 4 + size:
            raise ValueError("leaf record is truncated")
        parts.append(leaf[at + 4:at + 4 + size])
        at += 4 + size
    if at != len(leaf):
        raise ValueError("leaf record has bytes after its record")
    kind, subject, record = parts
    if kind is None or record is None:
        raise ValueError("leaf record has no kind or no record")
    return kind.decode("utf-8"), None if subject is None else subject.decode("utf-8"), prev, record


_EVENT_FIELDS = ("topic", "actor_id", "actor_kind", "actor_org", "action", "target_type", "target_id", "reason",
                 "ticket", "payload", "raw_value", "schema_fingerprint")
_EVENT_MAGICS = {b"auditlog.events.v2\x00": 2, b"auditlog.events.v1\x00": 1}


def parse_event_record(record: bytes) -> dict[str, object]:
    """An event's canonical record (``chain.py``, version 1 or 2) read back: seq, partition,
    kafka_offset, chain_pos, occurred_us, recorded_us, incarnation (version 2), event_id (the
    UUID's text) and every field (text as str, bytes as bytes, NULL as None). An offline verifier
    reads an event from its record, never from anything beside it. ValueError if it is not one."""
    version = next((v for magic, v in _EVENT_MAGICS.items() if record.startswith(magic)), None)
    if version is None:
        raise ValueError("not an auditlog event record (bad magic)")
    at = len(b"auditlog.events.v2\x00")
    count = 7 if version == 2 else 6
    if len(record) < at + 8 * count + 16:
        raise ValueError("event record is truncated")
    ints = struct.unpack_from(f">{count}q", record, at)
    at += 8 * count
    names = ("seq", "partition", "kafka_offset", "chain_pos", "occurred_us", "recorded_us", "incarnation")
    out: dict[str, object] = dict(zip(names, ints, strict=False))
    out["event_id"] = str(uuid.UUID(bytes=record[at:at + 16]))
    at += 16
    fields = _EVENT_FIELDS + (("raw_key", "raw_headers") if version == 2 else ())
    for name in fields:
        if record[at:at + 4] == _NULL:
            value: bytes | None = None
            at += 4
        else:
            if len(record) < at + 4:
                raise ValueError("event record is truncated")
            (size,) = _LEN.unpack_from(record, at)
            value = record[at + 4:at + 4 + size]
            if len(value) != size:
                raise ValueError("event record is truncated")
            at += 4 + size
        text = name not in ("raw_value", "schema_fingerprint", "raw_key", "raw_headers")
        out[name] = value.decode("utf-8") if text and value is not None else value
    if at != len(record):
        raise ValueError("event record has bytes after its last field")
    out["record_version"] = version
    return out
