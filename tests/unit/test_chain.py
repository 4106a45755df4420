"""The canonical record is exactly what ledger/chain.py documents; every field counts."""

import hashlib
import uuid

from auditlog.ledger import chain

EVENT_ID = uuid.UUID("5f0f7b1c-57a8-4d43-9b80-000000000001")
ROW = (7, 2, 41, 3, 1509663482000001, 1509663500123456, EVENT_ID, "admin-actions", "c-17", "contractor",
       None, "account.deactivate", "account", "a-1", "", None, '{"a": 1}', b"\xc3\x01raw", b"\x01" * 8)


def test_the_record_layout_is_the_documented_one() -> None:
    expected = (
        b"auditlog.events.v1\x00"
        + (7).to_bytes(8, "big") + (2).to_bytes(8, "big") + (41).to_bytes(8, "big") + (3).to_bytes(8, "big")
        + (1509663482000001).to_bytes(8, "big") + (1509663500123456).to_bytes(8, "big")
        + EVENT_ID.bytes
        + b"\x00\x00\x00\x0dadmin-actions" + b"\x00\x00\x00\x04c-17" + b"\x00\x00\x00\x0acontractor"
        + b"\xff\xff\xff\xff" + b"\x00\x00\x00\x12account.deactivate" + b"\x00\x00\x00\x07account"
        + b"\x00\x00\x00\x03a-1" + b"\x00\x00\x00\x00" + b"\xff\xff\xff\xff"
        + b"\x00\x00\x00\x08{\"a\": 1}" + b"\x00\x00\x00\x05\xc3\x01raw" + b"\x00\x00\x00\x08" + b"\x01" * 8
    )
    assert chain.record(ROW) == expected
    assert chain.link(chain.GENESIS, ROW) == hashlib.sha256(bytes(32) + expected).digest()


def test_changing_any_field_changes_the_hash() -> None:
    base = chain.link(chain.GENESIS, ROW)
    for index, value in enumerate(ROW):
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
        assert chain.link(chain.GENESIS, row) != base, f"field {chain.ROW_COLUMNS[index]} is not covered"
    assert chain.link(b"\x01" * 32, ROW) != base


def test_micros_is_exact() -> None:
    from datetime import UTC, datetime

    assert chain.micros(datetime(2017, 11, 2, 22, 58, 2, 1, tzinfo=UTC)) == 1509663482000001


def test_linking_a_ready_tail_is_linking_the_row() -> None:
    prev = b"\x07" * 32
    assert chain.link_tail(prev, *ROW[:6], chain.tail(ROW[6:])) == chain.link(prev, ROW)
