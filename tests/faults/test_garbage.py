"""Thousands of bad messages interleaved with valid ones: every valid event lands, every bad
message is kept in ``rejected`` with its bytes, and one writer process goes through it all."""

from __future__ import annotations

import io
import random
from dataclasses import replace

from fastavro import schemaless_writer
from kafka import KafkaProducer

from auditlog.domain.model import Actor, AdminAction
from auditlog.domain.plain import to_plain
from auditlog.producers.topics import ensure_topic
from auditlog.schemas import registry
from auditlog.schemas.codec import MARKER, encode
from tests.factories import event
from tests.faults.harness import Run, assert_exactly_once

VALID = 2000
BAD_PER_KIND = 500
KINDS = 7  # of bad message, in the order _bad_messages makes them


def _unchecked(e: AdminAction) -> bytes:
    """Well-formed Avro of an event that breaks the contract (encode() would refuse it)."""
    version = registry.current()
    buffer = io.BytesIO()
    buffer.write(MARKER + version.fingerprint)
    schemaless_writer(buffer, version.parsed, to_plain(e))
    return buffer.getvalue()


def _bad_messages(rng: random.Random, valid: list[AdminAction]) -> list[tuple[bytes, bytes | None]]:
    """(key, value) of every kind of bad message, each value distinct."""
    bad: list[tuple[bytes, bytes | None]] = []
    for n in range(BAD_PER_KIND):
        good = encode(valid[n])
        bad.append((b"noise", rng.randbytes(rng.randrange(1, 200)) + n.to_bytes(4, "big")))  # garbage
        bad.append((b"cut", good[: rng.randrange(11, len(good) - 1)] + n.to_bytes(2, "big")[:0]))  # truncated
        bad.append((b"fp", MARKER + rng.randbytes(8) + good[10:]))  # unknown schema fingerprint
        bad.append((b"json", f'{{"event_id": "{n}", "action": "account.update"}}'.encode()))  # not Avro
        # invalid: Avro-valid but no actor id (an unknown *action* is not invalid: readers keep
        # a newer writer's actions as evidence)
        bad.append((b"inv", _unchecked(replace(event(target=f"x-{n}"), actor=Actor("", "employee")))))
        # a different event reusing a valid event's id: after the original, on its partition
        bad.append((valid[n].target.id.encode(), encode(replace(valid[n], reason=f"rewritten {n}"))))
        # a NUL in a text field: Postgres text cannot hold it, so it would fail its whole batch
        bad.append((b"nul", _unchecked(replace(event(target=f"n-{n}"), reason=f"nothing\x00to see {n}"))))
    bad.append((b"tombstone", None))
    return bad


def test_garbage_interleaved_with_valid_events_is_all_kept_and_the_writer_never_stops(run: Run) -> None:
    rng = random.Random()
    ensure_topic(run.bootstrap, run.topic, 3)
    valid = [event("account.update", target=f"acct-{n % 50}", reason=f"change {n}") for n in range(VALID)]
    bad = _bad_messages(rng, valid)
    conflicts = {id(item) for item in bad[5::KINDS]}  # the id-reusing ones must follow their original
    messages: list[tuple[bytes, bytes | None]] = [(e.target.id.encode(), encode(e)) for e in valid]
    for item in bad:
        position = rng.randrange(VALID + 1, len(messages) + 1) if id(item) in conflicts \
            else rng.randrange(len(messages) + 1)
        messages.insert(position, item)
    producer = KafkaProducer(bootstrap_servers=run.bootstrap, acks="all", linger_ms=5)
    for key, value in messages:
        producer.send(run.topic, key=key, value=value)
    producer.flush()
    producer.close()

    writer = run.start_writer("--until-idle")
    assert writer.wait(timeout=300) == 0, run.log_tail()
    assert_exactly_once(run, {e.event_id: encode(e) for e in valid}, rejected=[value for _, value in bad])
    assert f"ingested {VALID} events, 0 duplicates skipped, {len(bad)} rejected" in run.log_tail()
