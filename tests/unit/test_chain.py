"""The canonical record is exactly what ledger/chain.py documents; every field counts."""

import hashlib
import uuid

import pytest

from auditlog.ledger import chain

EVENT_ID = uuid.UUID("5f0f7b1c-57a8-4d43-9b80-000000000001")
HEADERS = chain.encode_headers([("producer", b"auditlog/0.1.0"), ("trace-id", None)])
ROW = (7, 2, 41, 3, 1509663482000001, 1509663500123456, 1, EVENT_ID, "admin-actions", "c-17", "contractor",
       None, "account.deactivate", "account", "a-1", "", None, '{"a": 1}', b"\xc3\x01raw", b"\x01" * 8,
       b"a-1", HEADERS)

TAIL = (
    EVENT_ID.bytes
    + b"\x00\x00\x00\x0dadmin-actions" + b"\x00\x00\x00\x04c-17" + b"\x00\x00\x00\x0acontractor"
    + b"\xff\xff\xff\xff" + b"\x00\x00\x00\x12account.deactivate" + b"\x00\x00\x00\x07account"
    + b"\x00\x00\x00\x03a-1" + b"\x00\x00\x00\x00" + b"\xff\xff\xff\xff"
    + b"\x00\x00\x00\x08{\"a\": 1}" + b"\x00\x00\x00\x05\xc3\x01raw" + b"\x00\x00\x00\x08" + b"\x01" * 8
)
INTS = (b"".join(n.to_bytes(8, "big") for n in (7, 2, 41, 3, 1509663482000001, 1509663500123456)))


def test_the_record_layout_is_the_documented_one() -> None:
    headers = (b"\x00\x00\x00\x02" + b"\x00\x00\x00\x08producer" + b"\x00\x00\x00\x0eauditlog/0.1.0"
               + b"\x00\x00\x00\x08trace-id" + b"\xff\xff\xff\xff")
    assert headers == HEADERS
    expected = (b"auditlog.events.v2\x00" + INTS + (1).to_bytes(8, "big") + TAIL
                + b"\x00\x00\x00\x03a-1" + len(headers).to_bytes(4, "big") + headers)
    assert chain.record(ROW) == expected
    assert chain.link(chain.GENESIS, ROW) == hashlib.sha256(bytes(32) + expected).digest()


def test_a_version_1_row_keeps_the_layout_it_was_hashed_with() -> None:
    expected = b"auditlog.events.v1\x00" + INTS + TAIL
    assert chain.record(ROW, version=1) == expected
    assert chain.link(chain.GENESIS, ROW, version=1) != chain.link(chain.GENESIS, ROW)


@pytest.mark.parametrize("version", [1, 2])
def test_changing_any_field_changes_the_hash(version: int) -> None:
    base = chain.link(chain.GENESIS, ROW, version)
    # a version 1 record has no incarnation, key or headers: those columns came with version 2
    skipped = {"incarnation", "raw_key", "raw_headers"} if version == 1 else set()
    for index, value in enumerate(ROW):
        if chain.ROW_COLUMNS[index] in skipped:
            continue
        if isinstance(value, int):
            changed = value + 1
        elif isinstance(value, uuid.UUID):
            changed = uuid.uuid4()
        elif value is None:
            changed = ""  # NULL and empty text are different values
        elif isinstance(value, bytes):
            changed = value + b"!"
        else:
            changed = value + "!" if value else None
        row = (*ROW[:index], changed, *ROW[index + 1:])
        assert chain.link(chain.GENESIS, row, version) != base, f"field {chain.ROW_COLUMNS[index]} is not covered"
    assert chain.link(b"\x01" * 32, ROW, version) != base


def test_micros_is_exact() -> None:
    from datetime import UTC, datetime

    assert chain.micros(datetime(2017, 11, 2, 22, 58, 2, 1, tzinfo=UTC)) == 1509663482000001


def test_linking_a_ready_tail_is_linking_the_row() -> None:
    prev = b"\x07" * 32
    made = chain.link_tail(prev, *ROW[:7], chain.tail(ROW[7:20]), chain.evidence(*ROW[20:22]))  # type: ignore[arg-type]
    assert made == chain.link(prev, ROW)


@pytest.mark.parametrize("headers", [[], [("a", b"")], [("producer", b"x"), ("n", None), ("\u00e9", b"\x00\xff")]])
def test_headers_come_back_as_they_were_encoded(headers: list[tuple[str, bytes | None]]) -> None:
    assert chain.decode_headers(chain.encode_headers(headers)) == headers
