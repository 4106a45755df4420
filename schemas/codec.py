"""Avro single-object encoding of ``AdminAction``.

Wire format (Avro spec, "Single-object encoding"): ``C3 01``, the writer
schema's 8-byte CRC-64-AVRO fingerprint (little-endian), then the Avro binary
body. Every message names its writer schema, so a reader resolves any shipped
version to the current one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from fastavro import schemaless_reader, schemaless_writer

from domain.errors import DecodeError, InvalidEvent
from domain.model import AdminAction
from domain.plain import from_plain, to_plain
from schemas import registry

MARKER = b"\xc3\x01"
HEADER_LEN = len(MARKER) + 8


@dataclass(frozen=True)
class Decoded:
    event: AdminAction
    fingerprint: bytes
    record: dict[str, Any]


def encode(event: AdminAction) -> bytes:
    """Validate and encode with the current schema."""
    event.validate()
    version = registry.current()
    buffer = io.BytesIO()
    buffer.write(MARKER)
    buffer.write(version.fingerprint)
    try:
        schemaless_writer(buffer, version.parsed, to_plain(event))
    except (ValueError, TypeError) as exc:
        raise InvalidEvent(f"event does not fit the schema: {exc}") from exc
    return buffer.getvalue()


def decode(data: bytes) -> Decoded:
    """Decode any shipped writer version into the current reader schema."""
    if len(data) < HEADER_LEN or data[:2] != MARKER:
        raise DecodeError("not Avro single-object encoded (missing C3 01 marker)")
    fp = bytes(data[2:HEADER_LEN])
    writer = registry.by_fingerprint(fp)
    if writer is None:
        raise DecodeError(f"unknown writer schema fingerprint {fp.hex()}")
    body = io.BytesIO(data[HEADER_LEN:])
    try:
        record = schemaless_reader(body, writer.parsed, registry.current().parsed)
    except Exception as exc:  # fastavro raises many types on corrupt input
        raise DecodeError(f"corrupt Avro body: {type(exc).__name__}: {exc}") from exc
    if body.tell() != len(data) - HEADER_LEN:
        raise DecodeError("trailing bytes after the Avro body")
    if not isinstance(record, dict):
        raise DecodeError("Avro body is not a record")
    event = from_plain(record)
    return Decoded(event, fp, record)
