"""The consumer runner: retriable failures are run again after a backoff, others are raised,
``--until-idle`` gives up after a few, and a stop ends the wait at once."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from auditlog.consumers.runner import Health, Runner
from auditlog.domain.errors import AuditError, ServiceUnavailable


class Scripted:
    """A consumer whose runs fail as scripted, then return 'done'."""

    name = "scripted"

    def __init__(self, failures: list[AuditError]) -> None:
        self.failures = failures
        self.health = Health(self.name)
        self.runs = 0
        self.stopped = False

    def run(self, until_idle: bool = False) -> Any:
        self.runs += 1
        if self.failures:
            raise self.failures.pop(0)
        self.health.succeeded()
        return "done"

    def stop(self) -> None:
        self.stopped = True


def test_a_retriable_failure_is_run_again_and_health_tells_of_it() -> None:
    consumer = Scripted([ServiceUnavailable("Postgres is restarting"), ServiceUnavailable("still")])
    seen: list[int] = []
    original = consumer.run

    def run(until_idle: bool = False) -> Any:
        seen.append(consumer.health.failures)
        return original(until_idle)

    consumer.run = run  # type: ignore[method-assign]
    assert Runner(consumer, max_backoff_s=0.01).run() == "done"
    assert consumer.runs == 3
    assert seen == [0, 1, 2]  # the failures were counted while they lasted
    assert consumer.health.failures == 0 and consumer.health.last_error is None


def test_a_failure_retrying_cannot_fix_is_raised_at_once() -> None:
    consumer = Scripted([AuditError("the decoder process died")])
    with pytest.raises(AuditError, match="decoder"):
        Runner(consumer).run()
    assert consumer.runs == 1
    assert consumer.health.last_error == "the decoder process died"


def test_until_idle_gives_up_after_a_few_retriable_failures() -> None:
    consumer = Scripted([ServiceUnavailable(f"down {n}") for n in range(10)])
    with pytest.raises(ServiceUnavailable, match="down 2"):
        Runner(consumer, max_backoff_s=0.01, idle_attempts=3).run(until_idle=True)
    assert consumer.runs == 3


def test_stop_during_a_backoff_ends_the_wait_and_stops_the_consumer() -> None:
    consumer = Scripted([ServiceUnavailable("down")] * 100)
    runner = Runner(consumer, max_backoff_s=30)
    threading.Timer(0.3, runner.stop).start()
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        runner.run()
    assert time.monotonic() - started < 10
    assert consumer.stopped
