"""The ledger writer under service faults: Postgres crashing mid-ingest, a writer frozen past
its poll interval while a second one takes its partitions."""

from __future__ import annotations

import random
import signal
import time

import pytest

from auditlog.consumers.kafka_source import MAX_POLL_INTERVAL_MS
from tests.conftest import SESSION_TIMEOUT_MS
from tests.faults.harness import Feeder, Run, assert_exactly_once, wait_until


def _drain_and_stop(run: Run, feeder: Feeder, *writers: object) -> dict[str, bytes]:
    produced = feeder.finish()
    try:
        wait_until(lambda: run.ledger_count() >= len(produced), "the writers catch up", deadline_s=180)
    except AssertionError:
        for writer in writers:
            writer.send_signal(signal.SIGABRT)  # type: ignore[attr-defined]
            writer.wait()  # type: ignore[attr-defined]
        raise AssertionError(f"the writers did not catch up; where they were:\n{run.log_tail()}") from None
    for writer in writers:
        writer.send_signal(signal.SIGTERM)  # type: ignore[attr-defined]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, run.log_tail()  # type: ignore[attr-defined]
    return produced


def test_postgres_stopped_immediate_mid_ingest_and_started_again(run: Run, local_stack: object) -> None:
    if local_stack is None:
        pytest.skip("needs the session's own Postgres (not external services) to crash it")
    from auditlog.devstack.stack import Stack

    assert isinstance(local_stack, Stack)
    rng = random.Random()
    feeder = Feeder(run, per_second=1500)
    feeder.start()
    writer = run.start_writer()
    try:
        wait_until(lambda: run.ledger_count() > 0 or writer.poll() is not None, "the writer appends something")
        time.sleep(rng.uniform(0.0, 0.5))
        local_stack.postgres.stop("immediate")  # a crash: no checkpoint, open transactions lost
        time.sleep(2.0)  # the writer is retrying with backoff meanwhile
        local_stack.postgres.restart_same_port()
        assert writer.poll() is None, f"the writer died with Postgres:\n{run.log_tail()}"
        produced = _drain_and_stop(run, feeder, writer)
    finally:
        if writer.poll() is None:
            writer.kill()
        feeder.finish()
    assert_exactly_once(run, produced)


def test_a_writer_frozen_past_its_poll_interval_then_resumed_repeats_nothing(run: Run) -> None:
    feeder = Feeder(run, per_second=1500)
    feeder.start()
    frozen, other = run.start_writer(), run.start_writer()
    try:
        wait_until(lambda: run.ledger_count() > 0, "the writers append something")
        time.sleep(random.uniform(0.0, 1.0))
        frozen.send_signal(signal.SIGSTOP)  # maybe mid-batch, holding its offset row locks
        # long enough for the group to give its partitions to the other writer
        time.sleep((MAX_POLL_INTERVAL_MS + SESSION_TIMEOUT_MS) / 1000)
        frozen.send_signal(signal.SIGCONT)
        produced = _drain_and_stop(run, feeder, frozen, other)
    finally:
        for writer in (frozen, other):
            if writer.poll() is None:
                writer.send_signal(signal.SIGCONT)
                writer.kill()
        feeder.finish()
    assert_exactly_once(run, produced)
