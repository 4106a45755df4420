"""The ledger feed gives every row once, in one order, however late its transaction commits.

First the failure the feed exists to avoid, made to happen on purpose: a batch that took a
lower seq commits after one that took a higher seq. Then concurrent writers (holding their
transactions open for random moments, events and rejections on many partitions) against a
concurrent reader that stores its position as it goes: every row read exactly once.
"""

from __future__ import annotations

import itertools
import random
import threading
import time

import psycopg
import pytest

from auditlog.ledger.append import Incoming, Rejection
from auditlog.ledger.feed import START, Position
from auditlog.ledger.gateway import Ledger
from auditlog.schemas.codec import decode, encode
from tests.factories import event

_offsets = itertools.count()


def _batch(topic: str, partition: int, events: int, rejections: int = 0) -> tuple[list[Incoming], list[Rejection]]:
    incoming = []
    for _ in range(events):
        raw = encode(event("account.update", target=f"a-{partition}"))
        decoded = decode(raw)
        incoming.append(Incoming.of(topic, partition, next(_offsets), decoded.event, raw, decoded.fingerprint))
    bad = [Rejection(topic, partition, next(_offsets), None, b"junk", "not Avro") for _ in range(rejections)]
    return incoming, bad


def _all_seqs(url: str, topic: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT seq FROM events WHERE topic = %(t)s UNION ALL SELECT seq FROM rejected WHERE topic = %(t)s",
            {"t": topic})]


def _read_all(ledger: Ledger, after: Position, topic: str) -> tuple[list[tuple[int, str]], Position]:
    rows: list[tuple[int, str]] = []
    while True:
        with ledger.reading() as unit:
            page = unit.read_feed(after, limit=50)
        if not page:
            return rows, after
        rows += [(r.seq, r.kind) for r in page if r.topic == topic]
        after = page[-1].position


def test_a_batch_committing_late_is_read_after_it_commits_not_skipped(database_url: str) -> None:
    topic = "feed-late"
    with Ledger(database_url) as early, Ledger(database_url) as late, Ledger(database_url) as reader:
        with reader.reading() as unit:
            start = unit.feed_head().position or START
        with early.writing() as held:
            held.append_batch("g", *_batch(topic, 0, 3), {})
            with late.writing() as unit:
                unit.append_batch("g", *_batch(topic, 1, 2), {})
            # the late batch took higher seqs and is committed; the early one is still open
            committed = _all_seqs(database_url, topic)
            rows, position = _read_all(reader, start, topic)
            assert rows == [], "nothing may be read past a transaction that is still running"
        everything = sorted(_all_seqs(database_url, topic))
        rows, position = _read_all(reader, position, topic)
    # `seq > last` would have read the committed batch first and then never gone below its seqs
    assert len(committed) == 2 and min(committed) > max(set(everything) - set(committed))
    assert [seq for seq, _ in rows] == everything
    assert position > start


def test_concurrent_writers_and_a_reader_give_every_row_exactly_once(database_url: str) -> None:
    topic = "feed-stress"
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    consumer = "test-feed-reader"
    read: list[tuple[int, str]] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        pick = random.Random(seed + number)
        try:
            with Ledger(database_url) as ledger:
                for batch in range(25):
                    partition = number * 4 + batch % 4
                    incoming, bad = _batch(topic, partition, pick.randint(1, 30), pick.randint(0, 2))
                    with ledger.writing() as unit:
                        unit.append_batch(f"g{number}", incoming, bad, {})
                        time.sleep(pick.choice([0, 0, 0.001, 0.02, 0.08]))  # commit late, sometimes
        except BaseException as exc:  # surfaced in the test's thread
            errors.append(exc)

    def reader() -> None:
        try:
            with Ledger(database_url) as ledger:
                while True:
                    done = stop.is_set()  # read once more after the writers finished
                    with ledger.reading() as unit:
                        after = unit.feed_position(consumer)
                        page = unit.read_feed(after, limit=rng.randint(1, 40))
                    if page:
                        with ledger.writing() as unit:  # the position, stored as a consumer would
                            unit.store_feed_position(consumer, page[-1].position)
                        read.extend((r.seq, r.kind) for r in page if r.topic == topic)
                    elif done:
                        return
                    else:
                        time.sleep(0.005)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    tail = threading.Thread(target=reader)
    for thread in [*threads, tail]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stop.set()
    tail.join(timeout=120)
    assert not errors, f"seed {seed}: {errors[0]!r}"
    seqs = [seq for seq, _ in read]
    assert len(seqs) == len(set(seqs)), f"seed {seed}: rows read twice"
    assert sorted(seqs) == sorted(_all_seqs(database_url, topic)), f"seed {seed}: rows skipped"
    assert {kind for _, kind in read} == {"event", "rejected"}


def test_the_feed_position_is_stored_with_the_consumer_effects_or_not_at_all(database_url: str) -> None:
    with Ledger(database_url) as ledger:
        with ledger.writing() as unit:
            unit.store_feed_position("atomic", Position(5, 7))
        with pytest.raises(RuntimeError), ledger.writing() as unit:
            unit.store_feed_position("atomic", Position(9, 9))
            raise RuntimeError("the consumer's effects failed")
        with ledger.reading() as unit:
            assert unit.feed_position("atomic") == Position(5, 7)
            assert unit.feed_position("never-ran") == START


def test_only_one_instance_of_a_feed_consumer_runs(database_url: str) -> None:
    from auditlog.domain.errors import AuditError

    with Ledger(database_url) as first, Ledger(database_url) as second:
        first.claim("projector-x")
        with pytest.raises(AuditError, match="already running"):
            second.claim("projector-x")
        second.claim("projector-y")
