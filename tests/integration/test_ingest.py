"""Producer -> real broker -> ledger writer -> real Postgres, exactly once."""

import psycopg
import pytest
from kafka import KafkaProducer

from auditlog.consumers.ingest import ingest
from auditlog.domain.settings import Settings
from auditlog.producers.producer import AuditProducer
from auditlog.producers.topics import ensure_topic
from auditlog.schemas.codec import encode
from tests.factories import event

GARBAGE = [b"", b"\xc3\x01short", b"{\"json\": \"not avro\"}", b"\xc3\x01" + b"\xff" * 8 + b"body"]


@pytest.fixture(scope="module")
def produced(settings: Settings) -> dict[str, bytes]:
    """40 valid events over 8 accounts plus garbage, interleaved; event_id -> bytes sent."""
    assert settings.bootstrap_servers
    ensure_topic(settings.bootstrap_servers, settings.topic, settings.partitions)
    sent: dict[str, bytes] = {}
    raw = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    with AuditProducer(settings.bootstrap_servers, settings.topic) as producer:
        for n in range(40):
            e = event("account.update", target=f"a-{n % 8}")
            producer.emit(e)
            sent[e.event_id] = encode(e)
            if n % 10 == 0:
                raw.send(settings.topic, key=b"junk", value=GARBAGE[n // 10]).get(timeout=10)
    raw.close()
    return sent


def test_every_event_lands_once_with_its_bytes_and_garbage_is_kept(
    settings: Settings, produced: dict[str, bytes]
) -> None:
    stats = ingest(settings, until_idle=True)
    assert (stats.appended, stats.rejected) == (40, 4)
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT event_id::text, raw_value FROM events").fetchall()
        rejected = conn.execute("SELECT raw_value, reason FROM rejected ORDER BY raw_value").fetchall()
    # encoding is deterministic, so the stored bytes must equal what we sent
    assert {r[0]: bytes(r[1]) for r in rows} == produced
    assert sorted(bytes(r[0]) for r in rejected) == sorted(GARBAGE)
    assert all(r[1] for r in rejected)


def test_offsets_end_one_past_the_last_message_of_each_partition(settings: Settings, produced: object) -> None:
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        last = dict(conn.execute(
            "SELECT partition, max(o) + 1 FROM (SELECT partition, kafka_offset o FROM events "
            "UNION ALL SELECT partition, kafka_offset FROM rejected) x GROUP BY partition").fetchall())
        stored = dict(conn.execute(
            "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = %s",
            (settings.group,)).fetchall())
    assert stored == last


def test_ingesting_again_adds_nothing(settings: Settings, produced: object) -> None:
    stats = ingest(settings, until_idle=True)
    assert (stats.appended, stats.duplicates, stats.rejected) == (0, 0, 0)
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (40,)


def test_a_second_group_reading_the_same_topic_deduplicates_by_event_id(
    settings: Settings, produced: object
) -> None:
    from dataclasses import replace

    stats = ingest(replace(settings, group=settings.group + "-b"), until_idle=True)
    assert (stats.appended, stats.duplicates) == (0, 40)
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (40,)
        assert conn.execute("SELECT count(*) FROM rejected").fetchone() == (len(GARBAGE),)


def test_a_position_past_the_log_end_is_a_new_incarnation_read_from_its_start(
    settings: Settings, produced: dict[str, bytes]
) -> None:
    """A ledger that has read further than the broker's log reaches means the topic was
    recreated (a memory broker restarted): the writer records a new incarnation and reads it
    from its start; every event it already holds is skipped by event_id."""
    from dataclasses import replace

    group = settings.group + "-recreated"
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) "
                     "VALUES (%s, %s, 0, 1000000)", (group, settings.topic))
    stats = ingest(replace(settings, group=group), until_idle=True)
    assert stats.appended == 0
    with psycopg.connect(settings.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (len(produced),)
        change = conn.execute("SELECT partition, incarnation, detected_by, ledger_end, broker_start, reason "
                              "FROM topic_incarnations WHERE topic = %s", (settings.topic,)).fetchall()
        resumed = conn.execute("SELECT incarnation, next_offset FROM consumer_offsets WHERE group_id = %s "
                               "AND partition = 0", (group,)).fetchone()
    assert len(change) == 1
    partition, incarnation, detected_by, ledger_end, broker_start, reason = change[0]
    assert (partition, incarnation, detected_by, ledger_end, broker_start) == (0, 1, group, 1000000, 0)
    assert "ends at" in reason
    assert resumed is not None and resumed[0] == 1  # the new incarnation, read to its end


class Recorded:
    """What the writer reported through the runner's metrics hook."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self.gauges: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self.observed: list[tuple[str, float]] = []

    def count(self, name: str, value: float = 1, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        self.counts[key] = self.counts.get(key, 0) + value

    def gauge(self, name: str, value: float, **labels: str) -> None:
        self.gauges[(name, tuple(sorted(labels.items())))] = value

    def observe(self, name: str, value: float, **labels: str) -> None:
        self.observed.append((name, value))


def test_the_writer_reports_what_it_does_through_the_metrics_hook(settings: Settings, produced: object) -> None:
    from dataclasses import replace

    assert settings.bootstrap_servers
    with AuditProducer(settings.bootstrap_servers, settings.topic) as producer:
        for n in range(5):
            producer.emit(event("account.update", target=f"m-{n}"))
    recorded = Recorded()
    stats = ingest(replace(settings, group=settings.group + "-metrics"), until_idle=True, metrics=recorded)
    appended = sum(v for (name, _), v in recorded.counts.items() if name == "events_appended_total")
    rejected = {labels: v for (name, labels), v in recorded.counts.items() if name == "rejected_total"}
    assert appended == stats.appended == 5  # the other 40 are duplicates for this group
    assert sum(rejected.values()) == len(GARBAGE)
    assert all(dict(labels)["reason"] and not any(c.isdigit() for c in dict(labels)["reason"]) for labels in rejected)
    assert [name for name, _ in recorded.observed].count("batch_seconds") == stats.batches
    assert recorded.gauges[("last_success_timestamp_seconds", ())] > 0
