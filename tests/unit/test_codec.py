import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DecodeError, InvalidEvent
from domain.model import Actor, AdminAction, Change, Source, Target
from schemas import registry
from schemas.codec import HEADER_LEN, MARKER, decode, encode
from tests.factories import event

text = st.text(min_size=1, max_size=20).filter(str.strip)
maybe = st.none() | text


@st.composite
def admin_actions(draw: st.DrawFn) -> AdminAction:
    from domain.catalog import ACTIONS

    action = draw(st.sampled_from(sorted(ACTIONS)))
    micros = draw(st.integers(0, 2**50))
    return AdminAction(
        event_id=str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4)),
        occurred_at=datetime(1990, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros),
        actor=Actor(draw(text), draw(st.sampled_from(["employee", "contractor", "service", "system"])),
                    draw(maybe), draw(maybe), draw(maybe), draw(maybe), draw(maybe)),
        action=action,
        target=Target(ACTIONS[action].value, draw(text), draw(maybe)),
        reason=draw(maybe),
        ticket=draw(maybe),
        changes=tuple(Change(f, o, n) for f, o, n in draw(st.lists(st.tuples(text, maybe, maybe), max_size=3))),
        source=draw(st.none() | st.builds(Source, text, maybe, maybe)),
        correlation_id=draw(maybe),
        causation_id=draw(maybe),
    )


@settings(max_examples=300, deadline=None)
@given(admin_actions())
def test_every_valid_event_round_trips(original: AdminAction) -> None:
    data = encode(original)
    assert data[:2] == MARKER
    decoded = decode(data)
    assert decoded.event == original
    assert decoded.fingerprint == registry.current().fingerprint


def test_encoding_names_the_writer_schema_by_fingerprint() -> None:
    data = encode(event())
    assert data[2:HEADER_LEN] == registry.current().fingerprint
    assert len(registry.current().fingerprint) == 8


def test_encode_refuses_an_invalid_event() -> None:
    from dataclasses import replace

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
    ],
)
def test_bad_bytes_raise_a_typed_one_line_error(mangle, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DecodeError) as caught:
        decode(mangle(encode(event())))
    assert reason in caught.value.reason
    assert "\n" not in caught.value.reason


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 200))
def test_random_and_mutated_bytes_only_ever_raise_typed_errors(noise: bytes, cut: int) -> None:
    good = encode(event())
    for candidate in (noise, MARKER + noise, good[:HEADER_LEN] + noise, good[:cut] + noise):
        with contextlib.suppress(DecodeError, InvalidEvent):
            decode(candidate)
