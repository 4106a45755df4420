"""Produce rate to the local broker with acks=all: AuditProducer (validate + encode +
headers + send) against a bare KafkaProducer sending the same pre-encoded bytes,
without and with the same three headers; same run, same broker. Target: at least
20,000 events/s for AuditProducer on this 2-core box."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from kafka import KafkaProducer

from auditlog.devstack.broker import TansuBroker
from auditlog.producers.producer import AuditProducer
from auditlog.producers.scenario import build
from auditlog.producers.topics import ensure_topic
from auditlog.schemas.codec import encode
from bench.report import report

EVENTS = int(os.environ.get("BENCH_PRODUCE_EVENTS", "60000"))


def main() -> None:
    scenario = list(build().events)
    events = (scenario * (EVENTS // len(scenario) + 1))[:EVENTS]
    encoded = [(e.target.id.encode(), encode(e)) for e in events]
    root = Path(tempfile.mkdtemp(prefix="auditlog-bench-broker-"))
    broker = TansuBroker(root)
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not external:
        broker.start()
    bootstrap = external or broker.bootstrap
    try:
        for topic in ("bench-bare", "bench-bare-headers", "bench-auditlog"):
            ensure_topic(bootstrap, topic, 6)
        bare_rate = _bare(bootstrap, "bench-bare", encoded, with_headers=False)
        headers_rate = _bare(bootstrap, "bench-bare-headers", encoded, with_headers=True)

        with AuditProducer(bootstrap, "bench-auditlog") as producer:
            start = time.perf_counter()
            for e in events:
                producer.send(e)
            producer.flush()
            ours = EVENTS / (time.perf_counter() - start)
    finally:
        broker.stop()
        shutil.rmtree(root, ignore_errors=True)
    report("produce", {
        "events": EVENTS,
        "bare_kafka_python_pre_encoded_per_s": round(bare_rate),
        "bare_pre_encoded_with_headers_per_s": round(headers_rate),
        "auditproducer_per_s": round(ours),
        "auditproducer_vs_bare": round(ours / bare_rate, 2),
        "auditproducer_vs_bare_with_headers": round(ours / headers_rate, 2),
        "target_per_s": 20000,
    })


def _bare(bootstrap: str, topic: str, encoded: list[tuple[bytes, bytes]], with_headers: bool) -> float:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                             linger_ms=5, batch_size=256 * 1024)
    start = time.perf_counter()
    for key, value in encoded:
        headers = [("schema-fingerprint", value[2:10]), ("producer", b"auditlog/0.1.0"),
                   ("trace-id", key.ljust(36, b"-"))] if with_headers else None
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    rate = len(encoded) / (time.perf_counter() - start)
    producer.close()
    return rate


if __name__ == "__main__":
    main()
