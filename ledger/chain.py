"""The hash chain: one per (topic, partition), over a canonical encoding of each row.

``hash = SHA-256(prev_hash || record)``; the first row of a chain has
``prev_hash = GENESIS`` (32 zero bytes). Rows are chained in ``seq`` order, and
``chain_pos`` is a row's 1-based position in its chain.

The canonical record of a row is, in this order::

    b"auditlog.events.v1\\0"
    int64  seq, partition, kafka_offset, chain_pos
    int64  occurred_at, recorded_at        microseconds since 1970-01-01T00:00:00Z
    16     event_id                        the UUID's raw bytes
    field  topic, actor_id, actor_kind, actor_org, action, target_type, target_id,
           reason, ticket                  UTF-8 text
    field  payload                         the JSON text Postgres prints for the jsonb (``payload::text``)
    field  raw_value, schema_fingerprint   bytes as stored

where int64 is 8 bytes big-endian two's complement and a field is a 4-byte
big-endian length followed by that many bytes, or ``FF FF FF FF`` for NULL.

Every column of ``events`` is covered except ``prev_hash`` and ``hash``
themselves: an edited column changes the row's hash; a deleted or moved row
breaks the next row's ``prev_hash`` (and ``seq``/``chain_pos`` are inside the
record, so swapping two rows is caught too). Rows deleted at the *end* of a
chain leave a valid shorter chain: only a signed checkpoint catches that.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

GENESIS = bytes(32)
_MAGIC = b"auditlog.events.v1\x00"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INTS = struct.Struct(">qqqqqq")
_LEN = struct.Struct(">I")
_NULL = b"\xff\xff\xff\xff"

# The columns of a chain row, in record order, as ``chain_rows.sql`` selects them
# (followed there by prev_hash and hash).
ROW_COLUMNS = (
    "seq", "partition", "kafka_offset", "chain_pos", "occurred_us", "recorded_us", "event_id",
    "topic", "actor_id", "actor_kind", "actor_org", "action", "target_type", "target_id",
    "reason", "ticket", "payload", "raw_value", "schema_fingerprint",
)


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
    """The part of a record that the row's contents alone decide: ``event_id`` and the
    fields after it (``ROW_COLUMNS[6:]``). The writer makes it before the row has a
    seq or a place in its chain."""
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


def record(row: Sequence[object]) -> bytes:
    """The canonical bytes of one row given in ``ROW_COLUMNS`` order."""
    return _MAGIC + _INTS.pack(*row[:6]) + tail(row[6:])


def link(prev_hash: bytes, row: Sequence[object]) -> bytes:
    return hashlib.sha256(prev_hash + record(row)).digest()


def link_tail(prev_hash: bytes, seq: int, partition: int, offset: int, pos: int, occurred_us: int,
              recorded_us: int, row_tail: bytes) -> bytes:
    """``link`` for a row whose ``tail`` is already made."""
    return hashlib.sha256(
        prev_hash + _MAGIC + _INTS.pack(seq, partition, offset, pos, occurred_us, recorded_us) + row_tail
    ).digest()


def link_record(prev_hash: bytes, record: bytes) -> bytes:
    """``link`` for a row whose record is already made (verify reads it made)."""
    return hashlib.sha256(prev_hash + record).digest()
