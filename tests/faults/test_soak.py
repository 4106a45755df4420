"""Writers join, leave and are killed while a large topic drains: the ledger ends exact, and the
group never stalls (once told of an event, the writers get it in within a deadline).

``make test`` soaks for ``AUDITLOG_SOAK_SECONDS`` (40) over ``AUDITLOG_SOAK_EVENTS`` (40,000)
events on 12 partitions with up to 4 writers; ``make chaos`` soaks longer and bigger.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

from kafka import KafkaProducer

from auditlog.producers.topics import ensure_topic
from auditlog.schemas.codec import encode
from tests.factories import event
from tests.faults.harness import Feeder, Run, assert_exactly_once

SECONDS = float(os.environ.get("AUDITLOG_SOAK_SECONDS", "40"))
EVENTS = int(os.environ.get("AUDITLOG_SOAK_EVENTS", "40000"))
PARTITIONS = 12
MOST_WRITERS = 4


def _prefill(run: Run, count: int) -> dict[str, bytes]:
    ensure_topic(run.bootstrap, run.topic, PARTITIONS)
    producer = KafkaProducer(bootstrap_servers=run.bootstrap, acks="all", linger_ms=20, batch_size=512 * 1024)
    produced = {}
    for n in range(count):
        e = event("account.update", target=f"acct-{n % 997}", reason=f"backlog {n}")
        value = encode(e)
        producer.send(run.topic, key=e.target.id.encode(), value=value)
        produced[e.event_id] = value
    producer.flush()
    producer.close()
    return produced


def test_writers_joining_leaving_and_killed_while_a_large_topic_drains(run: Run) -> None:
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    produced = _prefill(run, EVENTS)
    feeder = Feeder(run, per_second=300, partitions=PARTITIONS)
    feeder.start()
    writers: list[subprocess.Popen[bytes]] = [run.start_writer()]
    leaving: list[subprocess.Popen[bytes]] = []
    story = []
    try:
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(1.0, 4.0))
            for writer in [w for w in writers if w.poll() is not None]:
                assert writer.returncode in (0, -signal.SIGKILL), f"seed {seed}: a writer failed:\n{run.log_tail()}"
                writers.remove(writer)
            move = rng.choice(["join", "join", "leave", "kill"]) if writers else "join"
            if move == "join" and len(writers) < MOST_WRITERS:
                writers.append(run.start_writer())
            elif move == "leave" and len(writers) > 1:
                leaver = writers.pop(rng.randrange(len(writers)))
                leaver.send_signal(signal.SIGTERM)  # finishes its batch, then exits 0
                leaving.append(leaver)
            elif move == "kill" and writers:
                victim = writers.pop(rng.randrange(len(writers)))
                victim.send_signal(signal.SIGKILL)
                victim.wait()
            story.append(f"{move}->{len(writers)}")
    finally:
        produced |= feeder.finish()
        for writer in writers:
            if writer.poll() is None:
                writer.send_signal(signal.SIGTERM)
        for writer in writers + leaving:
            # 0: it finished its batch and left; -SIGTERM: told to leave before it had set itself up
            assert writer.wait(timeout=120) in (0, -signal.SIGTERM, -signal.SIGKILL), f"seed {seed}:\n{run.log_tail()}"
    drained_before = run.ledger_count()
    last = run.start_writer("--until-idle")
    try:
        code = last.wait(timeout=300)
    except subprocess.TimeoutExpired:
        last.send_signal(signal.SIGABRT)  # faulthandler prints where it hangs
        last.wait()
        code = None
    assert code == 0, f"seed {seed} ({' '.join(story)}):\n{run.log_tail()}"
    assert drained_before > 0, f"seed {seed}: the group appended nothing while it churned ({' '.join(story)})"
    assert_exactly_once(run, produced)
