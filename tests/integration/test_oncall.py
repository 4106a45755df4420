"""On call against the real broker and Postgres: lag that tells the truth (before and after the
writer drains the topic), metrics, /healthz and /readyz of `ingest` and `projections run`,
JSON logs, rejected messages listed, shown and re-driven exactly once (even by two racing
re-drives), and replay: bytes as stored, selectors, the ingest topic refused, and a replay
interrupted with Ctrl-C that names its last seq and resumes with no gap."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from auditlog.consumers.redrive import redrive
from auditlog.domain.settings import Settings
from auditlog.ledger import chain
from auditlog.ledger.gateway import Ledger
from auditlog.producers.producer import AuditProducer
from auditlog.producers.topics import ensure_topic
from auditlog.schemas.codec import encode
from tests.factories import event

AUDITLOG = os.path.join(os.path.dirname(sys.executable), "auditlog")
EVENTS = 30
GARBAGE = [b"", b"\xc3\x01short", b"{\"json\": \"not avro\"}"]


def _cli(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AUDITLOG, *args], env=cli_env, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait_ready(port: int, proc: subprocess.Popen[str], seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        try:
            status, body = _get(port, "/readyz")
            if status == 200:
                return body
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("never ready")


@pytest.fixture(scope="module")
def produced(settings: Settings) -> dict[str, bytes]:
    bootstrap = settings.require_broker()
    ensure_topic(bootstrap, settings.topic, settings.partitions)
    sent: dict[str, bytes] = {}
    raw = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    with AuditProducer(bootstrap, settings.topic) as producer:
        for n in range(EVENTS):
            e = event("account.update", target=f"a-{n % 5}", actor="c-vb-07" if n % 3 == 0 else "e-ts-03")
            producer.emit(e)
            sent[e.event_id] = encode(e)
            if n % 10 == 0:
                raw.send(settings.topic, key=b"junk", value=GARBAGE[n // 10]).get(timeout=10)
    raw.close()
    return sent


@pytest.fixture(scope="module")
def ingested(settings: Settings, cli_env: dict[str, str], produced: dict[str, bytes]) -> Iterator[None]:
    """Lag first (nothing ingested), then `ingest` with its metrics server until drained."""
    before = _cli(cli_env, "lag", "--json")
    assert before.returncode == 0, before.stderr
    lag = json.loads(before.stdout)
    assert lag["total"]["messages_behind"] == EVENTS + len(GARBAGE)
    assert sum(p["high_watermark"] for p in lag["partitions"]) == EVENTS + len(GARBAGE)
    assert all(p["ledger_next_offset"] == 0 for p in lag["partitions"])
    assert all(p["oldest_unread_seconds"] is not None for p in lag["partitions"] if p["behind"])
    port = _free_port()
    proc = subprocess.Popen([AUDITLOG, "ingest", "--metrics-port", str(port), "--log-format", "json"],
                            env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_ready(port, proc)
        deadline = time.monotonic() + 30
        while "auditlog_events_appended_total 30.0" not in _get(port, "/metrics")[1]:
            assert time.monotonic() < deadline, _get(port, "/metrics")[1]
            time.sleep(0.2)
        metrics = _get(port, "/metrics")[1]
        for name in ("auditlog_rejected_total{reason=", "auditlog_batch_seconds_bucket",
                     "auditlog_partition_lag_messages{partition=\"0\"}", "auditlog_ledger_head_seq",
                     "auditlog_rejected_oldest_seconds", "auditlog_last_success_timestamp_seconds"):
            assert name in metrics, name
        assert _get(port, "/healthz")[0] == 200
        assert _get(port, "/nothing")[0] == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert logged and all({"time", "level", "logger", "message"} <= set(line) for line in logged)
    yield


def test_lag_says_zero_once_the_writer_drained_the_topic(cli_env: dict[str, str], ingested: None) -> None:
    answer = _cli(cli_env, "lag", "--json")
    assert answer.returncode == 0, answer.stderr
    lag = json.loads(answer.stdout)
    assert lag["total"]["messages_behind"] == 0
    assert all(p["ledger_next_offset"] == p["high_watermark"] for p in lag["partitions"])
    assert "total: 0 messages behind" in _cli(cli_env, "lag").stdout


def test_projections_run_serves_readiness_and_feed_lag(cli_env: dict[str, str], ingested: None) -> None:
    port = _free_port()
    proc = subprocess.Popen([AUDITLOG, "projections", "run", "--metrics-port", str(port)], env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = json.loads(_wait_ready(port, proc))
        assert body["ready"] and body["consumer"] == "projector"
        deadline = time.monotonic() + 30
        while 'auditlog_consumer_position_seq{consumer="accounts_now"}' not in (metrics := _get(port, "/metrics")[1]):
            assert time.monotonic() < deadline, metrics
            time.sleep(0.3)
        assert 'auditlog_consumer_lag_seconds{consumer="actors_now"}' in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lag = json.loads(_cli(cli_env, "lag", "--json").stdout)
    assert {c["consumer"]: c["rows_behind"] for c in lag["consumers"]} == {
        "accounts_now": 0, "actors_now": 0, "snapshots": 0}


def test_a_metrics_port_in_use_is_refused_with_a_reason(cli_env: dict[str, str], ingested: None) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        answer = _cli(cli_env, "projections", "run", "--until-idle", "--metrics-port", str(port))
    assert answer.returncode == 1 and f"cannot serve metrics on 127.0.0.1:{port}" in answer.stderr


# -- rejected messages ------------------------------------------------------------------------------


def _inject_rejected(url: str, raw: bytes, offset: int) -> int:
    """A valid message an older decoder refused (as if its schema was not registered yet)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "INSERT INTO rejected (topic, partition, incarnation, kafka_offset, raw_key, raw_value, raw_headers, "
            "reason) VALUES ('old-topic', 0, 0, %s, %s, %s, NULL, 'unknown schema fingerprint') RETURNING id",
            (offset, b"a-1", raw)).fetchone()
    assert row is not None
    return int(row[0])


def test_rejected_list_and_show_never_crash_on_garbage(cli_env: dict[str, str], ingested: None) -> None:
    listed = json.loads(_cli(cli_env, "rejected", "list", "--json").stdout)["rejected"]
    assert len(listed) == len(GARBAGE) and all(r["resolution"] is None for r in listed)
    for row in listed:
        shown = _cli(cli_env, "rejected", "show", str(row["id"]))
        assert shown.returncode == 0, shown.stderr
        assert f"reason: {row['reason']}" in shown.stdout and "today's decoder: still rejected" in shown.stdout
        assert f"partition {row['partition']}" in shown.stdout
    assert "7b 22 6a 73" in "".join(_cli(cli_env, "rejected", "show", str(r["id"])).stdout for r in listed)
    assert _cli(cli_env, "rejected", "show", "999999").returncode == 2
    assert "0 rejected messages" in _cli(cli_env, "rejected", "list", "--reason", "no such reason").stdout


def test_redrive_appends_what_today_accepts_once_and_never_changes_rejected(
        settings: Settings, cli_env: dict[str, str], ingested: None) -> None:
    url = settings.require_database()
    fine = event("account.deactivate", target="acct-hos-0001", actor="c-vb-07")
    rejected_id = _inject_rejected(url, encode(fine), 1000)
    dry = json.loads(_cli(cli_env, "rejected", "redrive", "--all", "--dry-run", "--json").stdout)
    assert dry["totals"] == {"appended": 1, "still rejected": len(GARBAGE)}
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE event_id = %s", (fine.event_id,)).fetchone() == (0,)
        before = conn.execute("SELECT * FROM rejected ORDER BY id").fetchall()
    shown = _cli(cli_env, "rejected", "show", str(rejected_id)).stdout
    assert f"today's decoder: accepted: event {fine.event_id}" in shown
    done = json.loads(_cli(cli_env, "rejected", "redrive", "--all", "--json").stdout)
    assert done["totals"] == {"appended": 1, "still rejected": len(GARBAGE)}
    again = json.loads(_cli(cli_env, "rejected", "redrive", "--id", str(rejected_id), "--json").stdout)
    assert again["outcomes"] == []  # resolved: nothing left to do
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*), min(raw_value) FROM events WHERE event_id = %s",
                            (fine.event_id,)).fetchone() == (1, encode(fine))
        assert conn.execute("SELECT * FROM rejected ORDER BY id").fetchall() == before
        assert conn.execute("SELECT outcome FROM rejected_resolutions WHERE rejected_id = %s",
                            (rejected_id,)).fetchone() == ("appended",)
    listed = json.loads(_cli(cli_env, "rejected", "list", "--json").stdout)["rejected"]
    assert [r["resolution"]["outcome"] for r in listed if r["id"] == rejected_id] == ["appended"]


def _race(settings: Settings, rejected_id: int) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def one() -> None:
        with Ledger.from_settings(settings) as ledger:
            barrier.wait()
            outcomes.extend(o.outcome for o in redrive(ledger, ids=[rejected_id]))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


def test_two_racing_redrives_make_one_event(settings: Settings, ingested: None) -> None:
    url = settings.require_database()
    for round_ in range(5):
        fine = event("account.update", target="a-race")
        outcomes = _race(settings, _inject_rejected(url, encode(fine), 2000 + round_))
        assert outcomes in (["appended"], ["already resolved", "appended"]), outcomes
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM events WHERE event_id = %s",
                                (fine.event_id,)).fetchone() == (1,)


def test_resolutions_are_append_only(settings: Settings, ingested: None) -> None:
    with Ledger.from_settings(settings) as ledger, ledger.writing() as unit, \
            pytest.raises(Exception, match="permission denied|append-only"):
        unit.conn.execute("DELETE FROM rejected_resolutions")


# -- replay ------------------------------------------------------------------------------------------


def _read_topic(bootstrap: str, topic: str) -> list:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=3000)
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    found = list(consumer)
    consumer.close()
    return found


def test_replay_sends_the_stored_bytes_key_and_headers_with_provenance(
        settings: Settings, cli_env: dict[str, str], produced: dict[str, bytes], ingested: None) -> None:
    target = settings.topic + "-copy"
    dry = json.loads(_cli(cli_env, "replay", "--to-topic", target, "--account", "a-1", "--dry-run", "--json").stdout)
    assert dry["selected"] == EVENTS // 5 and len(dry["sample"]) == EVENTS // 5 and dry["sent"] == 0
    nothing = _cli(cli_env, "replay", "--to-topic", target, "--actor", "nobody")
    assert nothing.returncode == 0 and "0 events" in nothing.stdout
    refused = _cli(cli_env, "replay", "--to-topic", settings.topic)
    assert refused.returncode == 2 and "ingest topic" in refused.stderr
    sent = _cli(cli_env, "replay", "--to-topic", target, "--actor", "c-vb-07", "--json")
    assert sent.returncode == 0, sent.stderr
    summary = json.loads(sent.stdout)
    with psycopg.connect(settings.require_database()) as conn:  # (a re-driven one came from old-topic)
        stored = {r[0]: r[1:] for r in conn.execute(
            "SELECT seq, raw_value, raw_key, raw_headers, topic, partition, kafka_offset FROM events "
            "WHERE actor_id = 'c-vb-07'")}
    assert len(stored) >= EVENTS // 3
    assert summary["sent"] == len(stored) and summary["created_topic"] and summary["partitions"] == settings.partitions
    copies = _read_topic(settings.require_broker(), target)
    assert len(copies) == len(stored)
    for message in copies:
        headers = dict(message.headers)
        seq = int(headers["replay-seq"])
        value, key, raw_headers, topic, partition, offset = stored[seq]
        assert message.value == bytes(value) and message.key == bytes(key)
        assert headers["replay-of"] == f"{topic}/{partition}/{offset}".encode()
        original = chain.decode_headers(bytes(raw_headers) if raw_headers is not None else None)
        assert [h for h in message.headers if h[0] not in ("replay-of", "replay-seq")] == list(original)


def test_an_interrupted_replay_names_its_last_seq_and_resumes_with_no_gap(
        settings: Settings, cli_env: dict[str, str], ingested: None) -> None:
    target = settings.topic + "-resume"
    proc = subprocess.Popen([AUDITLOG, "replay", "--to-topic", target, "--rate", "10"], env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.5)  # a few events in (the first second goes to starting up)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert "replay stopped: interrupted; last seq sent" in err and "resume with --from-seq" in err
    resume_from = int(err.rsplit("--from-seq ", 1)[1].split()[0])
    resumed = _cli(cli_env, "replay", "--to-topic", target, "--from-seq", str(resume_from), "--json")
    assert resumed.returncode == 0, resumed.stderr
    with psycopg.connect(settings.require_database()) as conn:
        everything = sorted(r[0] for r in conn.execute("SELECT seq FROM events"))
    got = sorted({int(dict(m.headers)["replay-seq"]) for m in _read_topic(settings.require_broker(), target)})
    assert got == everything
    assert 0 < json.loads(resumed.stdout)["sent"] < len(everything)


# -- restore ------------------------------------------------------------------------------------------


def test_restore_reseeds_a_lost_topic_at_identical_offsets_and_ingest_appends_nothing(
        settings: Settings, cli_env: dict[str, str], ingested: None) -> None:
    from kafka.admin import KafkaAdminClient

    from auditlog.producers.broker_log import BrokerLog

    url, bootstrap = settings.require_database(), settings.require_broker()
    complete = json.loads(_cli(cli_env, "replay", "--restore", "--json").stdout)  # the topic is whole: no-op
    assert complete["sent"] == 0 and complete["messages"] == EVENTS + len(GARBAGE)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")  # someone else writes to it
    producer.send(settings.topic, b"someone else's", partition=0).get(10)
    producer.close()
    refused = _cli(cli_env, "replay", "--restore")
    assert refused.returncode == 2 and "not a fresh, empty topic" in refused.stderr, refused.stderr
    assert "takes no --account" in _cli(cli_env, "replay", "--restore", "--account", "a-1").stderr
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.delete_topics([settings.topic])  # the dev cluster is lost
    admin.close()
    with psycopg.connect(url) as conn:
        held = {(r[0], r[1]): bytes(r[2]) for r in conn.execute(
            "SELECT partition, kafka_offset, raw_value FROM events WHERE topic = %(t)s UNION ALL "
            "SELECT partition, kafka_offset, coalesce(raw_value, '') FROM rejected WHERE topic = %(t)s",
            {"t": settings.topic})}
        counts = conn.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejected), "
                              "(SELECT count(*) FROM topic_incarnations)").fetchone()
    dry = json.loads(_cli(cli_env, "replay", "--restore", "--dry-run", "--json").stdout)
    assert dry["messages"] == EVENTS + len(GARBAGE) == len(held) and dry["sent"] == 0
    done = _cli(cli_env, "replay", "--restore", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sent"] == len(held)
    with BrokerLog(bootstrap) as broker:
        for (partition, offset), value in held.items():
            record = broker.record_at(settings.topic, partition, offset)
            assert record is not None and (record.value or b"") == value, (partition, offset)
    lag = json.loads(_cli(cli_env, "lag", "--json").stdout)
    assert lag["total"]["messages_behind"] == 0
    assert all(p["incarnation"] == 0 for p in lag["partitions"])
    again = _cli(cli_env, "ingest", "--until-idle")
    assert again.returncode == 0, again.stderr
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejected), "
                            "(SELECT count(*) FROM topic_incarnations)").fetchone() == counts
    # a topic whose ledger rows do not start at offset 0 cannot come back identical: refused, naming the gap
    gap = _cli({**cli_env, "AUDITLOG_TOPIC": "old-topic"}, "replay", "--restore", "--dry-run")
    assert gap.returncode == 2 and "does not hold offsets 0, 1, 2, 3, 4 ..." in gap.stderr


def test_lag_names_rows_a_long_transaction_holds_above_the_horizon(settings: Settings, ingested: None) -> None:
    from auditlog.consumers.lag import feed_lag
    from tests.factories import append_events

    url = settings.require_database()
    with Ledger.from_settings(settings) as ledger, psycopg.connect(url) as holder, \
            psycopg.connect(url, autocommit=True) as writer:
        before, _ = feed_lag(ledger)
        holder.execute("SELECT pg_current_xact_id()")  # a transaction with an id, left open
        append_events(writer, [event("account.update", target="a-held") for _ in range(3)])
        head, _ = feed_lag(ledger)
        assert head.held_rows == 3 and head.position == before.position
        holder.rollback()
        head, _ = feed_lag(ledger)
        assert head.held_rows == 0 and head.position != before.position


def test_an_unreachable_broker_is_exit_1_with_a_one_line_reason(cli_env: dict[str, str], ingested: None) -> None:
    away = {**cli_env, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    for args in (("replay", "--to-topic", "anywhere"), ("lag",), ("replay", "--restore")):
        answer = _cli(away, *args)
        assert answer.returncode == 1, (args, answer.stderr)
        assert answer.stderr.startswith("auditlog: ") and answer.stderr.count("\n") == 1, answer.stderr
