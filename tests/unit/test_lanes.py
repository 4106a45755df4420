"""How a lane pairs polled records with their decoding: events, rejections, and the offsets
each partition's part of the batch covers, in the incarnation it was read from."""

from __future__ import annotations

from typing import NamedTuple

from auditlog.consumers.decoding import prepare
from auditlog.consumers.lanes import _reason_kind, classify
from auditlog.ledger import chain
from auditlog.ledger.append import OffsetRange
from auditlog.schemas.codec import encode
from tests.factories import event


class Record(NamedTuple):  # the fields of kafka-python's ConsumerRecord a lane reads
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def test_records_become_events_rejections_and_ranges() -> None:
    good = [encode(event(target=f"a-{n}")) for n in range(3)]
    records = [Record("t", 0, 7, b"a-0", good[0], [("trace-id", b"x")]),
               Record("t", 3, 40, b"k", b"junk", []),
               Record("t", 0, 8, b"a-1", good[1], []),
               Record("t", 3, 39, b"a-2", good[2], [])]  # out of order within its partition
    incoming, rejections, ranges = classify(records, prepare("t", [r.value for r in records]), {3: 2})
    assert [(i.partition, i.offset, i.incarnation) for i in incoming] == [(0, 7, 0), (0, 8, 0), (3, 39, 2)]
    assert incoming[0].raw_headers == chain.encode_headers([("trace-id", b"x")])
    assert incoming[1].raw_headers == chain.encode_headers([]) == b"\x00\x00\x00\x00"
    assert [(r.partition, r.offset, r.raw_value, r.incarnation) for r in rejections] == [(3, 40, b"junk", 2)]
    assert ranges == {("t", 0): OffsetRange(7, 9, 0), ("t", 3): OffsetRange(39, 41, 2)}


def test_a_rejection_reason_becomes_a_label_without_particulars() -> None:
    assert _reason_kind("unknown writer schema fingerprint 3f2a9c01d4e5b6a7") == "unknown writer schema fingerprint"
    assert _reason_kind("message of 2000000 bytes is over the 1048576-byte limit") == \
        "message of bytes is over the limit"
    assert _reason_kind("actor.id: must be a non-empty string") == "actor.id"
    assert _reason_kind("1234: 5678") == "other"
