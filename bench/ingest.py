"""Ledger ingest speed, against baselines measured in the same run on the same server.

Prefill a 6-partition topic with N events (200,000), drain it with
``auditlog ingest --until-idle`` (a subprocess; its peak RSS is sampled over its
whole process tree, the decoder process included), then on the same Postgres: a
raw COPY of the same decoded rows into a table with the same indexes, a naive
consumer (one INSERT and one commit per event, measured on a subset), the
``eventsourcing`` library storing the same events through its own application
path (one aggregate per target account, its mapper and JSON transcoder, its
Postgres recorder) 500 per transaction, and ``auditlog verify``. Both baseline
writers read the topic and decode as ours does (``_consumed``), so every rate is
broker to committed rows.
Then the writer's peak RSS again at a bigger N (1,000,000). Uses
DATABASE_URL/KAFKA_BOOTSTRAP_SERVERS if both are set, else starts its own durable
devstack (fsync on) in a temporary folder.

    AUDITLOG_BENCH_EVENTS=200000 AUDITLOG_BENCH_BIG_EVENTS=1000000 python -m bench.ingest
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import psycopg
from eventsourcing.domain import Aggregate, event
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from auditlog.domain.catalog import ACTIONS
from auditlog.domain.model import Actor, AdminAction, Target, new_event_id
from auditlog.ledger.keys import init_key
from auditlog.ledger.migrate import migrate
from auditlog.ledger.verify import verify
from auditlog.producers.topics import ensure_topic
from auditlog.schemas.codec import decode, encode
from bench._server import eventsourcing_env
from bench.report import report

PARTITIONS = 6
BATCH = 5000  # the writer's batch size, used for the COPY baseline's transactions too
NAIVE_SUBSET = 3000
ES_PER_TX = 500


@contextmanager
def _services() -> Iterator[tuple[str, str]]:
    if os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    from auditlog.devstack.stack import temporary_stack

    with temporary_stack("auditlog-bench-", durable=True) as stack:
        yield stack.postgres.url("postgres"), stack.bootstrap_servers


def _fresh_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url.rpartition('/')[0]}/{name}"
    with psycopg.connect(url) as conn:
        migrate(conn)
    return url


def _events(count: int, rng: random.Random) -> Iterator[AdminAction]:
    actions = sorted(ACTIONS)
    start = datetime(2017, 11, 2, tzinfo=UTC)
    for n in range(count):
        action = rng.choice(actions)
        kind = rng.choice(["employee", "contractor", "service"])
        yield AdminAction(
            event_id=new_event_id(), occurred_at=start + timedelta(milliseconds=n * 37),
            actor=Actor(f"{kind[0]}-{rng.randrange(60)}", kind, display_name="Some Admin", org="socialco",
                        session_id=uuid.uuid4().hex[:8], source_ip="172.16.1.7"),
            action=action, target=Target(ACTIONS[action].value, f"acct-{rng.randrange(20_000):05d}", "@someone"),
            reason=rng.choice([None, "user report", "spam", "requested by legal"]),
            ticket=rng.choice([None, f"T-{rng.randrange(100_000)}"]),
        )


def _prefill(bootstrap: str, topic: str, count: int) -> float:
    ensure_topic(bootstrap, topic, PARTITIONS)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=512 * 1024,
                             max_request_size=8 * 1024 * 1024)
    started = time.perf_counter()
    for e in _events(count, random.Random(count)):
        producer.send(topic, key=e.target.id.encode(), value=encode(e))
    producer.flush()
    producer.close()
    return count / (time.perf_counter() - started)


def _ingest(url: str, bootstrap: str, topic: str, count: int, keys: Path) -> dict[str, Any]:
    """Drain ``topic`` with ``auditlog ingest --until-idle``; rate from first row to exit, peak RSS."""
    env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "AUDITLOG_TOPIC": topic,
           "AUDITLOG_GROUP": f"bench-{topic}", "AUDITLOG_PARTITIONS": str(PARTITIONS),
           "AUDITLOG_SIGNING_KEY": str(keys / "bench.key"), "AUDITLOG_CHECKPOINT_EXPORT": str(keys / f"{topic}.jsonl")}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "auditlog.investigate.cli", "ingest", "--until-idle"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first = last = None
    peaks: dict[int, int] = {}  # pid -> its peak RSS so far, for the writer and each child it starts
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            for pid, hwm in _high_water_marks(proc.pid).items():
                peaks[pid] = max(peaks.get(pid, 0), hwm)
            if proc.poll() is not None:
                break
            seen = conn.execute("SELECT max(seq) FROM events").fetchone()[0] or 0  # type: ignore[index]
            now = time.perf_counter()
            if seen and first is None:
                first = now
            if seen >= count and last is None:
                last = now
            time.sleep(0.1)
    ended = time.perf_counter()
    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    if proc.returncode != 0 or f"ingested {count} events" not in output:
        raise SystemExit(f"ingest failed ({proc.returncode}): {output[-2000:]}")
    first = first or started
    last = last or ended
    return {"wall_s": ended - started, "events_per_s": count / (last - first),
            "peak_rss_mb": peaks.get(proc.pid, 0) / 2**20,
            # an upper bound: the sum of each process's own peak, whenever it came
            "tree_peak_rss_mb": sum(peaks.values()) / 2**20}


def _high_water_marks(pid: int) -> dict[int, int]:
    """Peak resident bytes (VmHWM) of ``pid`` and of every process under it.

    Not the child's ru_maxrss: that counts the moment between fork and exec, when the
    child still shares this (large) benchmark process's pages."""
    try:
        tree = [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
    except psutil.NoSuchProcess:
        return {}
    marks = {}
    for member in tree:
        try:
            with open(f"/proc/{member}/status", encoding="ascii") as status:
                kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            continue  # gone, or a zombie without memory
        marks[member] = int(kib) * 1024
    return marks


def _copy_baseline(url: str) -> float:
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE copy_target (LIKE events INCLUDING ALL)")
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position")]
        selected = ", ".join("payload::text" if c == "payload" else c for c in columns)  # as the writer sends it
        rows = conn.execute(f"SELECT {selected} FROM events ORDER BY seq").fetchall()
        conn.commit()
        started = time.perf_counter()
        for start in range(0, len(rows), BATCH):
            with conn.cursor() as cur, cur.copy(f"COPY copy_target ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows[start:start + BATCH]:
                    copy.write_row(row)
            conn.commit()
        return len(rows) / (time.perf_counter() - started)


def _consumed(bootstrap: str, topic: str, limit: int) -> Iterator[tuple[Any, AdminAction]]:
    """The baselines' consumer: the topic's first ``limit`` records from offset 0, each with
    its decoded, validated event, as a writer built on them would read it."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=500)
    consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
    consumer.seek_to_beginning()
    done = 0
    try:
        while done < limit:
            for records in consumer.poll(timeout_ms=1000).values():
                for r in records[: limit - done]:
                    yield r, decode(r.value).event.validate(strict=False)
                    done += 1
    finally:
        consumer.close()


def _naive_baseline(url: str, bootstrap: str, topic: str) -> float:
    """Poll, decode, INSERT one row, COMMIT; NAIVE_SUBSET times."""
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE naive_target (LIKE events INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        for r, e in _consumed(bootstrap, topic, NAIVE_SUBSET):
            conn.execute(
                "INSERT INTO naive_target (event_id, topic, partition, kafka_offset, occurred_at, actor_id,"
                " actor_kind, actor_org, action, target_type, target_id, reason, ticket, payload, raw_value,"
                " schema_fingerprint, chain_pos, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s, %s, %s, %s, '{}', %s, %s, 0, '', '')",
                (e.event_id, r.topic, r.partition, r.offset, e.occurred_at, e.actor.id, e.actor.kind,
                 e.actor.org, e.action, e.target.type, e.target.id, e.reason, e.ticket, r.value,
                 r.value[2:10]))
            conn.commit()
        return NAIVE_SUBSET / (time.perf_counter() - started)


class _EsTarget(Aggregate):
    """One target account's admin actions, as an ``eventsourcing`` aggregate; its
    creation event carries its first action, so it stores exactly one event per action."""

    @event("FirstAction")
    def __init__(self, fields: dict[str, Any]) -> None:
        self.last_action = fields["action"]

    @event("Action")
    def act(self, fields: dict[str, Any]) -> None:
        self.last_action = fields["action"]


def _eventsourcing_baseline(url: str, bootstrap: str, topic: str, count: int) -> float:
    """A writer built on the eventsourcing library: the same consumer and decoding as the
    naive one, then its application path (aggregate per target account, mapper, JSON
    transcoder, Postgres recorder) stores the events ES_PER_TX per transaction."""
    from eventsourcing.application import Application

    app = Application(env=eventsourcing_env(url))
    targets: dict[str, _EsTarget] = {}
    touched: dict[str, _EsTarget] = {}
    started = time.perf_counter()
    for n, (_, e) in enumerate(_consumed(bootstrap, topic, count), start=1):
        fields = {"event_id": e.event_id, "occurred_at": e.occurred_at.isoformat(), "actor_id": e.actor.id,
                  "actor_kind": e.actor.kind, "actor_org": e.actor.org, "action": e.action,
                  "target_type": e.target.type, "target_id": e.target.id, "reason": e.reason, "ticket": e.ticket}
        aggregate = targets.get(e.target.id)
        if aggregate is None:
            aggregate = targets[e.target.id] = _EsTarget(fields)
        else:
            aggregate.act(fields)
        touched[e.target.id] = aggregate
        if n % ES_PER_TX == 0:
            app.save(*touched.values())  # one transaction for the pending events of all of them
            touched.clear()
    app.save(*touched.values())
    elapsed = time.perf_counter() - started
    app.close()
    return count / elapsed


def _verify_rate(url: str, keys: Path) -> tuple[float, bool]:
    from auditlog.ledger.checkpoints import exported
    from auditlog.ledger.keys import load_public

    export = [cp for f in keys.glob("*.jsonl") for cp in exported(f)]
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        result = verify(conn, public_key=load_public(keys / "bench.key"), exported=export)
        elapsed = time.perf_counter() - started
    return result.events / elapsed, result.ok


def main() -> None:
    count = int(os.environ.get("AUDITLOG_BENCH_EVENTS", "200000"))
    big = int(os.environ.get("AUDITLOG_BENCH_BIG_EVENTS", "1000000"))
    keys = Path(tempfile.mkdtemp(prefix="auditlog-bench-keys-"))
    init_key(keys / "bench.key")
    figures: dict[str, Any] = {"events": count}
    with _services() as (admin_url, bootstrap):
        url = _fresh_database(admin_url, "bench_ingest")
        topic = f"bench-{uuid.uuid4().hex[:8]}"
        figures["prefill_events_per_s"] = round(_prefill(bootstrap, topic, count))
        run = _ingest(url, bootstrap, topic, count, keys)
        figures["ingest_events_per_s"] = round(run["events_per_s"])
        figures["ingest_wall_s_incl_group_join"] = round(run["wall_s"], 1)
        figures[f"writer_peak_rss_mb_at_{count}"] = round(run["peak_rss_mb"], 1)
        figures[f"writer_tree_peak_rss_mb_at_{count}"] = round(run["tree_peak_rss_mb"], 1)
        copy_rate = _copy_baseline(url)
        figures["raw_copy_rows_per_s"] = round(copy_rate)
        figures["ratio_vs_raw_copy"] = round(run["events_per_s"] / copy_rate, 2)
        naive = _naive_baseline(url, bootstrap, topic)
        figures[f"naive_events_per_s_on_{NAIVE_SUBSET}"] = round(naive)
        figures["ratio_vs_naive"] = round(run["events_per_s"] / naive, 1)
        es_rate = _eventsourcing_baseline(url, bootstrap, topic, count)
        figures["eventsourcing_9_5_6_events_per_s"] = round(es_rate)
        figures["ratio_vs_eventsourcing"] = round(run["events_per_s"] / es_rate, 2)
        verify_rate, ok = _verify_rate(url, keys)
        figures["verify_events_per_s"] = round(verify_rate)
        figures["verify_ok"] = ok
        if big:
            big_url = _fresh_database(admin_url, "bench_ingest_big")
            big_topic = f"bench-big-{uuid.uuid4().hex[:8]}"
            _prefill(bootstrap, big_topic, big)
            big_run = _ingest(big_url, bootstrap, big_topic, big, keys)
            figures[f"writer_peak_rss_mb_at_{big}"] = round(big_run["peak_rss_mb"], 1)
            figures[f"writer_tree_peak_rss_mb_at_{big}"] = round(big_run["tree_peak_rss_mb"], 1)
            figures[f"ingest_events_per_s_at_{big}"] = round(big_run["events_per_s"])
    shutil.rmtree(keys, ignore_errors=True)
    report("ingest", figures)


if __name__ == "__main__":
    main()
