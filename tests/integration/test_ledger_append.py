"""append_batch against a real Postgres, each batch in a unit of work of the gateway:
atomic, deduplicating, fenced."""

import threading
import time

import psycopg
import pytest

from auditlog.ledger.append import AppendResult, Incoming, OffsetRange, Rejection, StaleBatch
from auditlog.ledger.gateway import Ledger
from auditlog.schemas.codec import decode, encode
from tests.factories import event

TOPIC = "append-tests"


def _incoming(partition: int, offset: int, raw: bytes | None = None) -> Incoming:
    data = raw or encode(event(target=f"a-{offset}"))
    decoded = decode(data)
    return Incoming.of(TOPIC, partition, offset, decoded.event, data, decoded.fingerprint)


def append_batch(database_url: str, group: str, incoming: list[Incoming], rejections: list[Rejection],
                 ranges: dict[tuple[str, int], OffsetRange]) -> AppendResult:
    """One batch, one unit of work (as a writer lane does it)."""
    with Ledger(database_url) as ledger, ledger.writing() as unit:
        return unit.append_batch(group, incoming, rejections, ranges)


def _count(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table} WHERE topic = %s", (TOPIC,)).fetchone()[0]  # type: ignore[index]


def test_events_rejections_and_offsets_commit_together(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        bad = Rejection(TOPIC, 0, 2, b"k", b"\x00junk", "not Avro single-object encoded")
        result = append_batch(database_url, "g1", [_incoming(0, 0), _incoming(0, 1)], [bad],
                              {(TOPIC, 0): OffsetRange(0, 3)})
        assert (result.appended, result.rejected) == (2, 1)
        assert _count(conn, "events") == 2
        stored = conn.execute("SELECT raw_value, reason FROM rejected WHERE topic = %s", (TOPIC,)).fetchone()
        assert stored == (b"\x00junk", "not Avro single-object encoded")
        offset = conn.execute("SELECT next_offset FROM consumer_offsets WHERE group_id = 'g1'").fetchone()
        assert offset == (3,)


def test_a_redelivered_event_is_skipped_and_a_reused_id_is_rejected(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        first = _incoming(1, 0)
        append_batch(database_url, "g2", [first], [], {(TOPIC, 1): OffsetRange(0, 1)})
        first_event = decode(first.raw_value).event
        same_bytes = Incoming.of(TOPIC, 1, 1, first_event, first.raw_value, first.columns.schema_fingerprint)
        from dataclasses import replace

        other = replace(first_event, reason="a different story")
        other_raw = encode(other)
        conflict = Incoming.of(TOPIC, 1, 2, other, other_raw, first.columns.schema_fingerprint)
        result = append_batch(database_url, "g2", [same_bytes, conflict], [], {(TOPIC, 1): OffsetRange(1, 3)})
        assert (result.appended, result.duplicates, result.rejected) == (0, 1, 1)
        reason = conn.execute("SELECT reason FROM rejected WHERE topic = %s AND partition = 1",
                              (TOPIC,)).fetchone()
        assert reason is not None and "duplicate event_id" in reason[0]


def test_a_stale_batch_writes_nothing(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        append_batch(database_url, "g3", [_incoming(2, 0), _incoming(2, 1)], [], {(TOPIC, 2): OffsetRange(0, 2)})
        events_before = _count(conn, "events")
        # a writer that lost partition 2 while frozen comes back with offsets 1..2
        with pytest.raises(StaleBatch):
            append_batch(database_url, "g3", [_incoming(2, 7)], [], {(TOPIC, 2): OffsetRange(1, 3)})
        assert _count(conn, "events") == events_before
        assert conn.execute("SELECT next_offset FROM consumer_offsets WHERE group_id = 'g3'").fetchone() == (2,)


def test_an_event_another_transaction_stores_meanwhile_makes_the_batch_stale_not_fatal(database_url: str) -> None:
    """Two lanes (or groups) with the same event on two partitions: the one that loses the
    race on the event_id index gets StaleBatch (retry, and dedup sees it), not an error."""
    raw = encode(event(target="a-race"))
    decoded = decode(raw)
    outcome: dict[str, BaseException] = {}
    with Ledger(database_url) as first, Ledger(database_url) as second, \
            psycopg.connect(database_url, autocommit=True) as watcher:  # sees activity as it is now
        with first.writing() as held:  # holds the first append uncommitted
            held.append_batch("g-race", [Incoming.of(TOPIC, 3, 0, decoded.event, raw, decoded.fingerprint)], [],
                              {(TOPIC, 3): OffsetRange(0, 1)})
            pid = held.conn.execute("SELECT pg_backend_pid() AS pid").fetchone().pid  # type: ignore[union-attr]

            def other_lane() -> None:
                try:
                    with second.writing() as unit:
                        unit.append_batch("g-race", [Incoming.of(TOPIC, 4, 0, decoded.event, raw,
                                                                 decoded.fingerprint)], [],
                                          {(TOPIC, 4): OffsetRange(0, 1)})
                except BaseException as exc:  # noqa: BLE001  (whatever it is, the test names it)
                    outcome["raised"] = exc

            lane = threading.Thread(target=other_lane)
            lane.start()
            deadline = time.monotonic() + 20
            waiting = ("SELECT wait_event_type = 'Lock' FROM pg_stat_activity "
                       "WHERE pid <> %s AND pid <> pg_backend_pid() AND datname = current_database() "
                       "AND query LIKE 'COPY events%%'")
            while watcher.execute(waiting, (pid,)).fetchone() != (True,):
                assert time.monotonic() < deadline, "the other lane never waited on the event_id index"
                time.sleep(0.05)
        lane.join(timeout=20)
        assert isinstance(outcome.get("raised"), StaleBatch), outcome
        stored = watcher.execute("SELECT count(*) FROM events WHERE event_id = %s",
                                 (decoded.event.event_id,)).fetchone()
        offset = watcher.execute(
            "SELECT next_offset FROM consumer_offsets WHERE group_id = 'g-race' AND partition = 4").fetchone()
    assert stored == (1,)
    assert offset is None, "the stale batch stored no offset"
