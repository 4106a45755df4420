"""append_batch against a real Postgres: atomic, deduplicating, fenced."""

import psycopg
import pytest

from ledger.append import Incoming, OffsetRange, Rejection, StaleBatch, append_batch
from schemas.codec import decode, encode
from tests.factories import event

TOPIC = "append-tests"


def _incoming(partition: int, offset: int, raw: bytes | None = None) -> Incoming:
    data = raw or encode(event(target=f"a-{offset}"))
    decoded = decode(data)
    return Incoming.of(TOPIC, partition, offset, decoded.event, data, decoded.fingerprint)


def _count(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table} WHERE topic = %s", (TOPIC,)).fetchone()[0]  # type: ignore[index]


def test_events_rejections_and_offsets_commit_together(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        bad = Rejection(TOPIC, 0, 2, b"k", b"\x00junk", "not Avro single-object encoded")
        result = append_batch(conn, "g1", [_incoming(0, 0), _incoming(0, 1)], [bad],
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
        append_batch(conn, "g2", [first], [], {(TOPIC, 1): OffsetRange(0, 1)})
        first_event = decode(first.raw_value).event
        same_bytes = Incoming.of(TOPIC, 1, 1, first_event, first.raw_value, first.columns.schema_fingerprint)
        from dataclasses import replace

        other = replace(first_event, reason="a different story")
        other_raw = encode(other)
        conflict = Incoming.of(TOPIC, 1, 2, other, other_raw, first.columns.schema_fingerprint)
        result = append_batch(conn, "g2", [same_bytes, conflict], [], {(TOPIC, 1): OffsetRange(1, 3)})
        assert (result.appended, result.duplicates, result.rejected) == (0, 1, 1)
        reason = conn.execute("SELECT reason FROM rejected WHERE topic = %s AND partition = 1",
                              (TOPIC,)).fetchone()
        assert reason is not None and "duplicate event_id" in reason[0]


def test_a_stale_batch_writes_nothing(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        append_batch(conn, "g3", [_incoming(2, 0), _incoming(2, 1)], [], {(TOPIC, 2): OffsetRange(0, 2)})
        events_before = _count(conn, "events")
        # a writer that lost partition 2 while frozen comes back with offsets 1..2
        with pytest.raises(StaleBatch):
            append_batch(conn, "g3", [_incoming(2, 7)], [], {(TOPIC, 2): OffsetRange(1, 3)})
        assert _count(conn, "events") == events_before
        assert conn.execute("SELECT next_offset FROM consumer_offsets WHERE group_id = 'g3'").fetchone() == (2,)
