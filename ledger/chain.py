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
    field  payload                         Postgres' own text form of the jsonb (``payload::text``)
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


def _field(value: str | bytes | None) -> bytes:
    if value is None:
        return _NULL
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return _LEN.pack(len(data)) + data


def record(row: Sequence[object]) -> bytes:
    """The canonical bytes of one row given in ``ROW_COLUMNS`` order."""
    seq, partition, offset, pos, occurred, recorded, event_id = row[:7]
    head = _MAGIC + _INTS.pack(seq, partition, offset, pos, occurred, recorded)
    ident = event_id.bytes if isinstance(event_id, uuid.UUID) else bytes(event_id)  # type: ignore[call-overload]
    return head + ident + b"".join([_field(v) for v in row[7:]])  # type: ignore[arg-type]


def link(prev_hash: bytes, row: Sequence[object]) -> bytes:
    return hashlib.sha256(prev_hash + record(row)).digest()
