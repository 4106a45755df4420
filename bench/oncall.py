"""On call: replay speed against a bare kafka-python producer sending the same stored bytes in the
same run, a projection catching up on N ledger rows against the feed's own read-and-decode speed
in the same run, and how long ``auditlog lag`` takes to answer.

A ledger of N rows (``AUDITLOG_BENCH_ONCALL_ROWS``, 1,000,000; 1% rejected messages; filled
through the writer's append path by ``bench.feed.fill``) on a throw-away devstack (memory
broker; Postgres without fsync):

- replay: the first R events (``AUDITLOG_BENCH_REPLAY_EVENTS``, 200,000) to a fresh topic with
  ``producers.replay.replay`` (streamed from the ledger, provenance headers, acknowledged
  prefix tracked), then the same stored bytes and keys, loaded into memory first, sent to fresh
  topics by a bare kafka-python ``KafkaProducer`` (acks=all, idempotent, the same linger and
  batch) and by a bare librdkafka producer with the replay's own settings (its ceiling).
  Targets: >= 50,000 events/s and >= 0.8x the bare kafka-python producer.
- projection catch-up: ``accounts_now`` from the start of the feed to its head (pages of 50,000,
  ``consumers.projector.BATCH``, each applied and its position stored in one transaction), against
  reading the feed and decoding every event without applying anything. Target: >= 20,000 rows/s.
- lag: ``lag_now`` (broker Fetches for the log ends and the oldest unread message's timestamp,
  the feed's head and every consumer's rows behind) in process, median and worst of 20, and
  the ``auditlog lag --json`` command end to end (Python start-up included). Target: < 200 ms.

Measured (1,000,000 rows; a shared, noisy 2-core box, another benchmark running beside it):
replay 28,155 events/s against the bare producer's 36,451/s (0.77x; 0.81-0.85x in three
100,000-event runs the same hour; before this round's changes, 29,259 against 36,283, 0.81x, on
200,000 rows); 50,000/s is out of reach for kafka-python here, the bare producer itself doing
32,000-41,000/s; batch_size 64 KiB-1 MB and linger_ms 0-20 did no better beyond the noise (the
same settings twice: 22,700 and 32,700/s), and kafka-python 3 has no buffer_memory.
``accounts_now`` caught up at 17,684 rows/s against 54,107 read and decoded (0.33x; before:
16,100 against 60,100, 0.27x; 15,257 against 60,166 on 200,000 rows); lag median 122 ms, worst
131 ms, the command 794 ms.

Then (1,000,000 rows, the box about a third idle): ``accounts_now`` caught up at 36,163 rows/s
against 64,725 read and decoded (0.56x; 32,500-34,200 against 59,900-65,100 on 200,000 rows,
0.53-0.56x, where the code before did 21,000-21,700 against 49,600-58,600, 0.36-0.44x, the same
hour). What did it: the cyclic collector paused while catching up (``consumers/collector.py``;
it took 2.3-3.0 of the projector's 7.2-9.1 CPU-seconds on 200,000 rows), and the next page read
and decoded on a thread of its own while this one is applied (``consumers/read_ahead.py``; with
no core to spare it gains nothing). Replay in the same run 32,651 events/s against 40,638 (0.80x);
lag median 119 ms, worst 127 ms, the command 611 ms.

Then, with the replay on librdkafka (``confluent-kafka``) and the ledger's pages fetched ahead by
a thread (``ledger/ahead.py``), the box otherwise idle (1,000,000 rows): replay 81,143 events/s
against the bare kafka-python producer's 40,609 (2.00x) and a bare librdkafka producer's 289,935
(0.28x: the rest is reading the ledger and Python's work per message); 55,600-90,700/s on
200,000-row ledgers with other agents' work beside it. ``accounts_now`` 34,616 rows/s against
62,422 (0.55x); lag median 120 ms, worst 128 ms, the command 646 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time

import psycopg
from confluent_kafka import Producer
from kafka import KafkaProducer

from auditlog.consumers.projector import project
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.lag import lag_now
from auditlog.ledger import chain
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.messages import Selector
from auditlog.producers.replay import ProducerOptions, replay
from auditlog.producers.topics import ensure_topic
from bench.feed import fill, read_feed
from bench.report import report

ROWS = int(os.environ.get("AUDITLOG_BENCH_ONCALL_ROWS", "1000000"))
REPLAY = int(os.environ.get("AUDITLOG_BENCH_REPLAY_EVENTS", "200000"))
TOPIC = "bench"  # the topic bench.feed.fill's rows say they arrived on


def _stored(url: str, last_seq: int) -> list[tuple[bytes, bytes | None, list[tuple[str, bytes]]]]:
    """The same stored bytes, keys and headers the replay sends, loaded into memory."""
    with psycopg.connect(url) as conn:
        return [(bytes(v), k.encode() if k else None, [*chain.decode_headers(None),
                 ("replay-of", f"{t}/{p}/{o}".encode()), ("replay-seq", str(s).encode())])
                for s, v, k, t, p, o in conn.execute(
                    "SELECT seq, raw_value, target_id, topic, partition, kafka_offset FROM events "
                    "WHERE seq <= %s ORDER BY seq", (last_seq,))]


def _bare_kafka_python(bootstrap: str, rows: list, target: str) -> float:  # type: ignore[type-arg]
    """kafka-python's producer with the replay's settings (acks=all, idempotent, linger, batch)."""
    options = ProducerOptions()
    ensure_topic(bootstrap, target, 6)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                             linger_ms=options.linger_ms, batch_size=options.batch_size)
    started = time.perf_counter()
    for value, key, headers in rows:
        producer.send(target, value=value, key=key, headers=headers)
    producer.flush()
    seconds = time.perf_counter() - started
    producer.close()
    return len(rows) / seconds


def _bare_librdkafka(bootstrap: str, rows: list, target: str) -> float:  # type: ignore[type-arg]
    """The replay's own producer, with its settings, sending from memory: the ceiling."""
    ensure_topic(bootstrap, target, 6)
    producer = Producer(ProducerOptions().config(bootstrap))
    started = time.perf_counter()
    for n, (value, key, headers) in enumerate(rows):
        while True:
            try:
                producer.produce(target, value, key, headers=headers)
                break
            except BufferError:
                producer.poll(0.05)
        if n % 512 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0
    return len(rows) / (time.perf_counter() - started)


def _replay(ledger: Ledger, bootstrap: str) -> dict[str, float | int]:
    with ledger.reading() as unit:
        last_seq = unit.conn.execute("SELECT seq FROM events ORDER BY seq OFFSET %s LIMIT 1",
                                     (REPLAY - 1,)).fetchone()[0]
    ensure_topic(bootstrap, "replayed", 6)
    summary = replay(ledger, bootstrap, "admin-actions", "replayed", Selector(to_seq=last_seq))
    rows = _stored(ledger.database_url, last_seq)
    bare = _bare_kafka_python(bootstrap, rows, "bare")
    ceiling = _bare_librdkafka(bootstrap, rows, "bare-librdkafka")
    ours = summary.sent / summary.seconds
    return {"replay_events": summary.sent, "replay_events_per_s": round(ours),
            "bare_kafka_python_producer_events_per_s (same bytes, in memory)": round(bare),
            "replay_vs_bare": round(ours / bare, 2),
            "bare_librdkafka_producer_events_per_s (same bytes, in memory)": round(ceiling),
            "replay_vs_bare_librdkafka": round(ours / ceiling, 2),
            "target_replay_events_per_s": 50_000, "target_replay_vs_bare": 0.8}


def _projection(settings: Settings, ledger: Ledger) -> dict[str, float | int]:
    decoded, decoded_s = read_feed(ledger, decode_events=True)
    started = time.perf_counter()
    tally = project(settings, ["accounts_now"], until_idle=True)
    seconds = time.perf_counter() - started
    rows = tally.rows["accounts_now"]
    return {"projection_rows": rows, "accounts_now_catch_up_rows_per_s": round(rows / seconds),
            "feed_read_and_decode_rows_per_s (no apply)": round(decoded / decoded_s),
            "target_catch_up_rows_per_s": 20_000}


def _lag(settings: Settings, env: dict[str, str]) -> dict[str, float]:
    lag_now(settings)  # connections warm, as a second scrape would be
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        lag_now(settings)
        timings.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "auditlog.investigate.cli", "lag", "--json"], env=env, check=True,
                   capture_output=True)
    cli_ms = (time.perf_counter() - started) * 1000
    return {"lag_median_ms": round(statistics.median(timings), 1), "lag_worst_ms": round(max(timings), 1),
            "lag_cli_ms (python start-up included)": round(cli_ms, 1), "target_lag_ms": 200.0}


def main() -> None:
    from auditlog.devstack.stack import temporary_stack
    from auditlog.ledger.migrate import migrate

    with temporary_stack("auditlog-bench-oncall-", durable=False) as stack:
        admin_url, bootstrap = stack.postgres.url("postgres"), stack.bootstrap_servers
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench_oncall")
        url = stack.postgres.url("bench_oncall")
        with psycopg.connect(url) as conn:
            migrate(conn)
        settings = Settings(database_url=url, bootstrap_servers=bootstrap, topic=TOPIC, group="bench-oncall",
                            partitions=6)
        env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "AUDITLOG_TOPIC": TOPIC,
               "AUDITLOG_GROUP": "bench-oncall"}
        ensure_topic(bootstrap, TOPIC, 6)
        with Ledger(url) as ledger:
            started = time.perf_counter()
            fill(ledger, ROWS, random.Random(ROWS))
            fill_s = time.perf_counter() - started
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE events")
                conn.execute("VACUUM ANALYZE rejected")
            figures: dict[str, float | int] = {"ledger_rows": ROWS, "fill_seconds": round(fill_s, 1)}
            figures |= _replay(ledger, bootstrap)
            figures |= _projection(settings, ledger)
            figures |= _lag(settings, env)
    report("oncall", figures)


if __name__ == "__main__":
    main()
