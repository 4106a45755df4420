"""The codec: every schema version pair round-trips, bad bytes only ever give typed errors."""

import os
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditlog.domain.errors import DecodeError, InvalidEvent
from auditlog.domain.model import AdminAction, Approval
from auditlog.schemas import registry
from auditlog.schemas.codec import HEADER_LEN, MARKER, MAX_MESSAGE_BYTES, decode, encode
from tests.factories import event
from tests.strategies import admin_actions, moments

# `make fuzz` raises this; the suite runs thousands of cases, the fuzz target many more
FUZZ_EXAMPLES = int(os.environ.get("AUDITLOG_FUZZ_EXAMPLES", "1000"))
PAIRS = [(w, r) for w in registry.versions() for r in registry.versions()]


def _has_approval(version: registry.SchemaVersion) -> bool:
    return any(f["name"] == "approval" for f in version.parsed["fields"])


@settings(max_examples=150, deadline=None)
@given(admin_actions(), st.sampled_from(PAIRS))
def test_every_event_round_trips_through_every_writer_reader_pair(
    original: AdminAction, pair: tuple[registry.SchemaVersion, registry.SchemaVersion]
) -> None:
    writer, reader = pair
    if not _has_approval(writer):
        original = replace(original, approval=None)
    data = encode(original, writer)
    assert data[:2] == MARKER and data[2:HEADER_LEN] == writer.fingerprint
    decoded = decode(data, reader)
    expected = original if _has_approval(reader) else replace(original, approval=None)
    assert decoded.event == expected
    assert decoded.fingerprint == writer.fingerprint


def test_the_default_reader_is_the_newest_version() -> None:
    newest = registry.current()
    assert newest.version == max(v.version for v in registry.versions())
    assert encode(event())[2:HEADER_LEN] == newest.fingerprint


def test_an_old_writer_cannot_silently_drop_an_approval() -> None:
    from datetime import UTC, datetime

    approved = replace(event(), approval=Approval("e-2", datetime(2017, 11, 2, tzinfo=UTC)))
    oldest = registry.versions()[0]
    with pytest.raises(InvalidEvent, match="approval"):
        encode(approved, oldest)


@given(moments)
def test_an_approval_by_the_actor_themselves_is_refused(at: object) -> None:
    e = event()
    with pytest.raises(InvalidEvent, match="two-person"):
        replace(e, approval=Approval(e.actor.id, at)).validate()  # type: ignore[arg-type]


def test_encode_refuses_an_invalid_event() -> None:
    with pytest.raises(InvalidEvent, match="action"):
        encode(replace(event(), action="nope"))


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda b: b"", "marker"),
        (lambda b: b"garbage bytes that are not avro", "marker"),
        (lambda b: b[:2] + b"\x00" * 8 + b[10:], "unknown writer schema"),
        (lambda b: b[: len(b) // 2], "corrupt"),
        (lambda b: b + b"\x00\x01", "trailing"),
        (lambda b: b + b"\x00" * MAX_MESSAGE_BYTES, "over the"),
    ],
)
def test_bad_bytes_raise_a_typed_one_line_error(mangle, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DecodeError) as caught:
        decode(mangle(encode(event())))
    assert reason in caught.value.reason
    assert "\n" not in caught.value.reason


def _decode_or_typed_error(candidate: bytes) -> None:
    try:
        decode(candidate)
    except (DecodeError, InvalidEvent) as exc:
        assert exc.reason and "\n" not in exc.reason


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_only_ever_raise_typed_errors(noise: bytes) -> None:
    good = encode(event())
    for candidate in (noise, MARKER + noise, good[:HEADER_LEN] + noise):
        _decode_or_typed_error(candidate)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(admin_actions(), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
       st.integers(0, 10_000))
def test_mutated_valid_messages_only_ever_raise_typed_errors(
    original: AdminAction, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(encode(original))
    for index, value in flips:
        data[HEADER_LEN + index % max(len(data) - HEADER_LEN, 1)] = value
    _decode_or_typed_error(bytes(data))
    _decode_or_typed_error(bytes(data[: cut % (len(data) + 1)]))
