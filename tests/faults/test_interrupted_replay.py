"""Replays that do not finish (issue 10): a broker that goes away mid-replay makes ``auditlog
replay`` exit 1 naming how far it got (an acknowledged prefix of the selection), and a restore
interrupted half-way is run again and continues after its own prefix, every offset coming back
with the ledger's bytes exactly once.

The lost broker is a private one (``devstack.broker.TansuBroker`` in the test's folder), started
for the replay and stopped under it; the restore uses the session's broker and the module's topic.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from auditlog.devstack.broker import TansuBroker
from auditlog.domain.settings import Settings
from auditlog.ledger.gateway import Ledger
from auditlog.producers.broker_log import BrokerLog
from auditlog.producers.producer import AuditProducer
from auditlog.producers.replay import ReplayStopped
from auditlog.producers.restore import restore
from auditlog.producers.topics import ensure_topic
from tests.factories import event

AUDITLOG = os.path.join(os.path.dirname(sys.executable), "auditlog")
EVENTS = 3000  # ~1,000 a partition: a restore stopped after 512 of the second one is mid-partition


def _read_topic(bootstrap: str, topic: str, count: int) -> dict[tuple[int, int], bytes]:
    """Every message of ``topic`` by (partition, offset), read until ``count`` came (a loaded box
    can be slow to start fetching) or a while passed."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    found: dict[tuple[int, int], bytes] = {}
    deadline = time.monotonic() + 30
    while len(found) < count and time.monotonic() < deadline:
        for messages in consumer.poll(timeout_ms=500).values():
            found |= {(m.partition, m.offset): m.value or b"" for m in messages}
    consumer.close()
    return found


def _lose(bootstrap: str, topic: str) -> None:
    """Delete ``topic`` (the dev cluster is lost) and wait until the broker says it is gone."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.delete_topics([topic])
    admin.close()
    deadline = time.monotonic() + 20
    with BrokerLog(bootstrap) as broker:
        while broker.partitions(topic):
            assert time.monotonic() < deadline, f"{topic} was not deleted"
            time.sleep(0.2)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AUDITLOG, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def ingested(settings: Settings, cli_env: dict[str, str]) -> int:
    """EVENTS events emitted to the module's topic and ingested: a ledger whose partitions hold
    every offset from 0."""
    bootstrap = settings.require_broker()
    ensure_topic(bootstrap, settings.topic, settings.partitions)
    with AuditProducer(bootstrap, settings.topic) as producer:
        for n in range(EVENTS):
            producer.send(event("account.update", target=f"acct-{n % 60}", reason=f"r{n}"))
        producer.flush(30)
    done = _cli(cli_env, "ingest", "--until-idle")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(settings.require_database()) as conn:
        row = conn.execute("SELECT count(*) FROM events").fetchone()
    assert row is not None and row[0] == EVENTS
    return EVENTS


def test_a_broker_lost_mid_replay_exits_1_naming_the_acknowledged_prefix(
        settings: Settings, cli_env: dict[str, str], ingested: int, tmp_path: Path) -> None:
    broker = TansuBroker(tmp_path / "broker")  # a second broker, the one the replay loses
    broker.start()
    try:
        env = cli_env | {"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap}
        proc = subprocess.Popen([AUDITLOG, "replay", "--to-topic", "copy", "--rate", "300", "--timeout", "4"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_until_copied(broker.bootstrap, "copy", 300, proc)  # some of the 3,000 (10 s at 300/s)
        broker.stop()
        out, err = proc.communicate(timeout=90)  # how long it takes to give up is no assertion here
    finally:
        broker.stop()
    assert proc.returncode == 1, (out, err)
    assert err.startswith("auditlog: replay stopped: the broker") and err.count("\n") == 1, err
    found = re.search(r"last seq sent (\d+) \((\d+) events acknowledged\); resume with --from-seq (\d+)", err)
    assert found is not None, err
    last_seq, acknowledged, resume = (int(g) for g in found.groups())
    assert resume == last_seq + 1
    with psycopg.connect(settings.require_database()) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
    # the acknowledged events are exactly the selection up to last_seq: a prefix, no gap
    assert acknowledged == sum(1 for s in seqs if s <= last_seq)
    assert 0 < acknowledged < len(seqs), "the broker went away before or after the replay, not during it"


def test_an_interrupted_restore_run_again_continues_after_its_own_prefix(
        settings: Settings, cli_env: dict[str, str], ingested: int) -> None:
    url, bootstrap, topic = settings.require_database(), settings.require_broker(), settings.topic
    _lose(bootstrap, topic)
    with psycopg.connect(url) as conn:
        held = {(r[0], r[1]): bytes(r[2]) for r in conn.execute(
            "SELECT partition, kafka_offset, raw_value FROM events WHERE topic = %s", (topic,))}
    per_partition = {p: 1 + max(o for q, o in held if q == p) for p, _ in held}
    first = per_partition[min(per_partition)]

    stop, acknowledged = threading.Event(), [0]

    def progress(done: int) -> None:  # Ctrl-C once the second partition has begun
        acknowledged[0] += done
        if acknowledged[0] > first:
            stop.set()

    with Ledger.from_settings(settings) as ledger, pytest.raises(ReplayStopped) as stopped:
        restore(ledger, bootstrap, topic, settings.group, default_partitions=settings.partitions,
                progress=progress, stop=stop)
    assert "run `auditlog replay --restore` again" in str(stopped.value)
    prefix = stopped.value.sent
    with BrokerLog(bootstrap) as broker:
        ends = {p: log.end for p, log in broker.ends(topic).items()}
    assert sum(ends.values()) == prefix and 0 < prefix < len(held)
    # where it stopped depends on when the broker's acknowledgements arrive: usually inside the
    # second partition, under load at its end (then the next partition holds nothing yet); the run
    # below must continue after exactly what the topic holds either way
    assert all(ends[p] <= n for p, n in per_partition.items()), (ends, per_partition)

    again = _cli(cli_env, "replay", "--restore", "--json")
    assert again.returncode == 0, again.stderr
    answer = json.loads(again.stdout)
    assert answer["sent"] == len(held) - prefix
    with BrokerLog(bootstrap) as broker:
        assert {p: log.end for p, log in broker.ends(topic).items()} == per_partition  # nothing twice
    assert _read_topic(bootstrap, topic, len(held)) == held  # every offset with the ledger's bytes
    assert _cli(cli_env, "ingest", "--until-idle").returncode == 0
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM events").fetchone()
    assert row is not None and row[0] == EVENTS  # the writer met its own incarnation: nothing appended


def _wait_until_copied(bootstrap: str, topic: str, count: int, proc: subprocess.Popen[str]) -> None:
    """Until the replay has put ``count`` messages on the broker (start-up under load varies)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            with BrokerLog(bootstrap) as log:
                if sum(end.end for end in log.ends(topic).values()) >= count:
                    return
        except Exception:  # noqa: BLE001 - the topic may not exist yet
            pass
        time.sleep(0.2)
    raise AssertionError(f"the replay put fewer than {count} messages on {topic} in 60 s")
