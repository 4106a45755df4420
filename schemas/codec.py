"""Avro single-object encoding of ``AdminAction``.

Wire format (Avro spec, "Single-object encoding"): ``C3 01``, the writer
schema's 8-byte CRC-64-AVRO fingerprint (little-endian), then the Avro binary
body. Every message names its writer schema, so a reader resolves any shipped
version to the current one (or to an older one, to prove old readers still work).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from fastavro import schemaless_reader, schemaless_writer

from auditlog.domain.errors import DecodeError, InvalidEvent
from auditlog.domain.model import AdminAction
from auditlog.domain.plain import from_plain, to_plain
from auditlog.schemas import registry
from auditlog.schemas.registry import SchemaVersion

MARKER = b"\xc3\x01"
HEADER_LEN = len(MARKER) + 8
# An admin action is a few hundred bytes; anything this large is not one of ours,
# and refusing it up front keeps a hostile message from costing unbounded memory.
MAX_MESSAGE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Decoded:
    event: AdminAction
    fingerprint: bytes
    record: dict[str, Any]


def encode(event: AdminAction, writer: SchemaVersion | None = None) -> bytes:
    """Validate and encode, with the current schema unless ``writer`` names another."""
    event.validate()
    version = writer or registry.current()
    if event.approval is not None and not _has_field(version, "approval"):
        raise InvalidEvent(f"approval: schema v{version.version} cannot carry an approval")
    buffer = io.BytesIO()
    buffer.write(MARKER)
    buffer.write(version.fingerprint)
    try:
        schemaless_writer(buffer, version.parsed, to_plain(event))
    except (ValueError, TypeError) as exc:
        raise InvalidEvent(f"event does not fit the schema: {exc}") from exc
    return buffer.getvalue()


def decode(data: bytes, reader: SchemaVersion | None = None) -> Decoded:
    """Decode any shipped writer version into ``reader`` (default: the current schema)."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise DecodeError(f"message of {len(data)} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")
    if len(data) < HEADER_LEN or data[:2] != MARKER:
        raise DecodeError("not Avro single-object encoded (missing C3 01 marker)")
    fp = bytes(data[2:HEADER_LEN])
    writer = registry.by_fingerprint(fp)
    if writer is None:
        raise DecodeError(f"unknown writer schema fingerprint {fp.hex()}")
    body = io.BytesIO(data[HEADER_LEN:])
    target = reader or registry.current()
    try:  # no reader schema when it is the writer's: fastavro then skips resolution
        record = schemaless_reader(body, writer.parsed, None if target is writer else target.parsed)
    except Exception as exc:  # fastavro raises many types on corrupt input
        raise DecodeError(f"corrupt Avro body: {type(exc).__name__}: {_one_line(exc)}") from exc
    if body.tell() != len(data) - HEADER_LEN:
        raise DecodeError("trailing bytes after the Avro body")
    if not isinstance(record, dict):
        raise DecodeError("Avro body is not a record")
    try:
        event = from_plain(record)
    except InvalidEvent as exc:
        raise DecodeError(f"decoded record is not an event: {exc.reason}") from exc
    return Decoded(event, fp, record)


def _has_field(version: SchemaVersion, name: str) -> bool:
    return any(field["name"] == name for field in version.parsed["fields"])


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""
