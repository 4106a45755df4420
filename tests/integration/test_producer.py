"""AuditProducer against a real broker: bytes, keys, headers, and no silent drops."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from auditlog.devstack.broker import TansuBroker
from auditlog.domain.errors import DeliveryFailed
from auditlog.domain.settings import Settings
from auditlog.producers.producer import PRODUCER_NAME, AuditProducer
from auditlog.producers.topics import ensure_topic
from auditlog.schemas import registry
from auditlog.schemas.codec import encode
from tests.factories import event


def _read_all(bootstrap: str, topic: str, partitions: int) -> list:  # type: ignore[type-arg]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    ends = consumer.end_offsets(tps)
    records = []
    while any(consumer.position(tp) < ends[tp] for tp in tps):
        for batch in consumer.poll(timeout_ms=1000).values():
            records.extend(batch)
    consumer.close()
    return records


@pytest.fixture(scope="module")
def sent(settings: Settings) -> list:  # type: ignore[type-arg]
    assert settings.bootstrap_servers
    ensure_topic(settings.bootstrap_servers, settings.topic, settings.partitions)
    events = [event("account.update", target=f"a-{n % 4}", correlation_id=f"corr-{n}") for n in range(30)]
    with AuditProducer(settings.bootstrap_servers, settings.topic) as producer:
        deliveries = [producer.send(e) for e in events]
    return [(e, d.result()) for e, d in zip(events, deliveries, strict=True)]


def test_messages_read_back_byte_identical_with_key_and_headers(settings: Settings, sent: list) -> None:  # type: ignore[type-arg]
    assert settings.bootstrap_servers
    records = {r.offset * 100 + r.partition: r for r in _read_all(settings.bootstrap_servers, settings.topic,
                                                                    settings.partitions)}
    assert len(records) == len(sent)
    for e, result in sent:
        record = records[result.offset * 100 + result.partition]
        assert record.value == encode(e)
        assert record.key == e.target.id.encode()
        headers = dict(record.headers)
        assert headers["schema-fingerprint"] == registry.current().fingerprint
        assert headers["producer"].startswith(PRODUCER_NAME.encode() + b"/")
        assert headers["trace-id"] == e.correlation_id.encode()


def test_one_target_keeps_one_partition_in_send_order(sent: list) -> None:  # type: ignore[type-arg]
    by_target: dict[str, list[tuple[int, int]]] = {}
    for e, result in sent:
        by_target.setdefault(e.target.id, []).append((result.partition, result.offset))
    for placements in by_target.values():
        assert len({p for p, _ in placements}) == 1
        assert [o for _, o in placements] == sorted(o for _, o in placements)


@pytest.fixture
def doomed_broker() -> Iterator[TansuBroker]:
    root = Path(tempfile.mkdtemp(prefix="auditlog-doomed-broker-"))
    broker = TansuBroker(root)
    broker.start()
    yield broker
    broker.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_a_down_broker_fills_a_bounded_buffer_then_refuses_loudly(doomed_broker: TansuBroker) -> None:
    ensure_topic(doomed_broker.bootstrap, "doomed", 1)
    producer = AuditProducer(doomed_broker.bootstrap, "doomed", buffer_bytes=64 * 1024, max_block_ms=500,
                             request_timeout_ms=1000, delivery_timeout_ms=3000, linger_ms=0, retries=1)
    producer.emit(event())  # metadata known, broker fine
    doomed_broker.stop()
    accepted = 0
    with pytest.raises(DeliveryFailed) as refused:
        for _ in range(5000):  # ~200 bytes each: the 64 KiB bound is hit long before this
            producer.send(event(reason="x" * 100))
            accepted += 1
    assert "was NOT sent" in refused.value.reason
    assert accepted < 5000
    with pytest.raises(DeliveryFailed, match="were not delivered"):
        producer.flush(timeout=30)
    producer.close(timeout=0)
