"""The hash chain: one per (topic, partition), over a canonical encoding of each row.

``hash = SHA-256(prev_hash || record)``; the first row of a chain has
``prev_hash = GENESIS`` (32 zero bytes). Rows are chained in ``seq`` order, and
``chain_pos`` is a row's 1-based position in its chain.

The canonical record of a row (``record_version`` 2, every row written since
migration 004) is, in this order::

    b"auditlog.events.v2\\0"
    int64  seq, partition, kafka_offset, chain_pos
    int64  occurred_at, recorded_at        microseconds since 1970-01-01T00:00:00Z
    int64  incarnation                     of the topic the row was read from
    16     event_id                        the UUID's raw bytes
    field  topic, actor_id, actor_kind, actor_org, action, target_type, target_id,
           reason, ticket                  UTF-8 text
    field  payload                         the JSON text Postgres prints for the jsonb (``payload::text``)
    field  raw_value, schema_fingerprint   bytes as stored
    field  raw_key, raw_headers            the message's key and headers (``encode_headers``)

where int64 is 8 bytes big-endian two's complement and a field is a 4-byte
big-endian length followed by that many bytes, or ``FF FF FF FF`` for NULL.
Rows written before migration 004 (``record_version`` 1) have the same layout
without the incarnation and the last two fields, under ``b"auditlog.events.v1\\0"``;
the version is inside the record, so changing it changes the hash.

Every column of ``events`` is covered except ``prev_hash`` and ``hash``
themselves and ``txid`` (the feed's order, which the Merkle tree covers): an
edited column changes the row's hash; a deleted or moved row breaks the next
row's ``prev_hash`` (and ``seq``/``chain_pos`` are inside the record, so
swapping two rows is caught too). Rows deleted at the *end* of a chain leave a
valid shorter chain: only a signed checkpoint catches that.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

GENESIS = bytes(32)
_MAGIC_V1 = b"auditlog.events.v1\x00"
_MAGIC = b"auditlog.events.v2\x00"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INTS_V1 = struct.Struct(">qqqqqq")
_INTS = struct.Struct(">qqqqqqq")
_LEN = struct.Struct(">I")
_NULL = b"\xff\xff\xff\xff"

# The columns of a chain row, in record order, as ``chain_rows.sql`` selects them
# (followed there by record_version, prev_hash and hash).
ROW_COLUMNS = (
    "seq", "partition", "kafka_offset", "chain_pos", "occurred_us", "recorded_us", "incarnation", "event_id",
    "topic", "actor_id", "actor_kind", "actor_org", "action", "target_type", "target_id",
    "reason", "ticket", "payload", "raw_value", "schema_fingerprint", "raw_key", "raw_headers",
)
_TAIL = slice(7, 20)  # event_id .. schema_fingerprint: what the row's contents alone decide


@dataclass(frozen=True)
class Head:
    """The end of a chain: how many rows it has and the last row's hash."""

    pos: int
    hash: bytes


EMPTY = Head(0, GENESIS)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (Postgres keeps timestamps to the microsecond)."""
    return (moment - _EPOCH) // _MICROSECOND


def tail(values: Sequence[object]) -> bytes:
    """The part of a record that the event's contents alone decide: ``event_id`` up to
    ``schema_fingerprint`` (``ROW_COLUMNS[7:20]``). The writer's decoder makes it before
    the row has a seq or a place in its chain."""
    event_id = values[0]
    parts = [event_id.bytes if isinstance(event_id, uuid.UUID) else bytes(event_id)]  # type: ignore[call-overload]
    for value in values[1:]:  # a loop, not a helper per field: the writer runs this for every event
        if value is None:
            parts.append(_NULL)
        else:
            data = value.encode("utf-8") if isinstance(value, str) else bytes(value)  # type: ignore[call-overload]
            parts.append(_LEN.pack(len(data)))
            parts.append(data)
    return b"".join(parts)


def evidence(raw_key: bytes | None, raw_headers: bytes | None) -> bytes:
    """The record's last two fields: the message's key and its encoded headers."""
    return _fields(raw_key, raw_headers)


def _fields(*values: bytes | None) -> bytes:
    parts = []
    for value in values:
        if value is None:
            parts.append(_NULL)
        else:
            parts.append(_LEN.pack(len(value)))
            parts.append(value)
    return b"".join(parts)


_NO_HEADERS = b"\x00\x00\x00\x00"


def encode_headers(headers: Sequence[tuple[str, bytes | None]] | None) -> bytes:
    """Kafka record headers in one canonical byte string: a 4-byte count, then each
    header's name (UTF-8) and value as fields, in the order they arrived."""
    if not headers:
        return _NO_HEADERS
    return _LEN.pack(len(headers)) + b"".join([_fields(name.encode("utf-8"), value) for name, value in headers])


def decode_headers(data: bytes | None) -> list[tuple[str, bytes | None]]:
    """``encode_headers`` reversed (a replay sends the headers as they arrived)."""
    if not data:
        return []
    (count,) = _LEN.unpack_from(data, 0)
    at = _LEN.size
    headers: list[tuple[str, bytes | None]] = []
    for _ in range(count):
        pair: list[bytes | None] = []
        for _ in range(2):
            if data[at:at + 4] == _NULL:
                pair.append(None)
                at += 4
                continue
            (size,) = _LEN.unpack_from(data, at)
            pair.append(data[at + 4:at + 4 + size])
            at += 4 + size
        headers.append(((pair[0] or b"").decode("utf-8"), pair[1]))
    return headers


def record(row: Sequence[object], version: int = 2) -> bytes:
    """The canonical bytes of one row given in ``ROW_COLUMNS`` order."""
    if version == 1:
        return _MAGIC_V1 + _INTS_V1.pack(*row[:6]) + tail(row[_TAIL])
    return _MAGIC + _INTS.pack(*row[:7]) + tail(row[_TAIL]) + _fields(*row[20:22])  # type: ignore[arg-type]


def link(prev_hash: bytes, row: Sequence[object], version: int = 2) -> bytes:
    return hashlib.sha256(prev_hash + record(row, version)).digest()


def link_tail(prev_hash: bytes, seq: int, partition: int, offset: int, pos: int, occurred_us: int,
              recorded_us: int, incarnation: int, row_tail: bytes, row_evidence: bytes) -> bytes:
    """``link`` of a version 2 row whose ``tail`` and ``evidence`` are already made."""
    return hashlib.sha256(
        prev_hash + _MAGIC + _INTS.pack(seq, partition, offset, pos, occurred_us, recorded_us, incarnation)
        + row_tail + row_evidence
    ).digest()


def link_record(prev_hash: bytes, record: bytes) -> bytes:
    """``link`` for a row whose record is already made (verify reads it made)."""
    return hashlib.sha256(prev_hash + record).digest()
