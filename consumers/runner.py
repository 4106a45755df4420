"""One runner for every long-running consumer: the ledger writer today, the projectors, the
detector and the tree builder tomorrow.

A consumer is anything with ``name``, ``health``, ``run(until_idle)`` and ``stop()``. The
runner gives it what each would otherwise write again: SIGTERM and Ctrl-C ask it to stop
(it finishes its current batch, commits and returns); a retriable failure (Postgres or the
broker gone) is logged and the consumer is run again after a backoff that grows to
``max_backoff_s``, instead of leaving a process that stalls until someone restarts it; a
failure retrying cannot fix is raised. ``Health`` is what /healthz and /readyz answer, and
``Metrics`` is the hook a metrics exporter plugs into (``NO_METRICS`` when none does).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol

from auditlog.domain.errors import AuditError

log = logging.getLogger(__name__)


class Metrics(Protocol):
    """Where consumers report what they do. Names are Prometheus-style without the
    ``auditlog_`` prefix (``events_appended_total``); labels are keyword arguments."""

    def count(self, name: str, value: float = 1, **labels: str) -> None: ...

    def gauge(self, name: str, value: float, **labels: str) -> None: ...

    def observe(self, name: str, value: float, **labels: str) -> None: ...


class _NoMetrics:
    def count(self, name: str, value: float = 1, **labels: str) -> None:
        pass

    def gauge(self, name: str, value: float, **labels: str) -> None:
        pass

    def observe(self, name: str, value: float, **labels: str) -> None:
        pass


NO_METRICS: Metrics = _NoMetrics()


@dataclass
class Health:
    """A consumer's liveness and readiness, set by the consumer and the runner."""

    name: str
    started_at: float = field(default_factory=time.time)
    ready: bool = False  # joined, and caught up within bounds
    last_success: float | None = None  # when it last finished a unit of work
    failures: int = 0  # retriable failures in a row
    last_error: str | None = None

    def succeeded(self) -> None:
        self.last_success = time.time()
        self.failures = 0
        self.last_error = None


class Consumer(Protocol):
    name: str
    health: Health

    def run(self, until_idle: bool = False) -> Any: ...

    def stop(self) -> None: ...


@dataclass
class Runner:
    consumer: Consumer
    max_backoff_s: float = 30.0
    # with --until-idle a caller waits for an answer, so retrying ends after this many failures
    idle_attempts: int = 5
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)

    def run(self, until_idle: bool = False) -> Any:
        with self._signals():
            delay = 0.5
            while True:
                try:
                    return self.consumer.run(until_idle)
                except AuditError as exc:
                    health = self.consumer.health
                    health.failures += 1
                    health.last_error = exc.reason
                    health.ready = False
                    if not exc.retriable or self._stopping.is_set():
                        raise
                    if until_idle and health.failures >= self.idle_attempts:
                        raise
                    log.warning("%s failed (%s); running it again in %.1fs", self.consumer.name, exc.reason, delay)
                    if self._stopping.wait(delay):
                        raise
                    delay = min(delay * 2, self.max_backoff_s)

    def stop(self) -> None:
        self._stopping.set()
        self.consumer.stop()

    @contextmanager
    def _signals(self) -> Iterator[None]:
        """SIGTERM and SIGINT stop the consumer cleanly (only the main thread can listen)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def finish(signum: int, frame: FrameType | None) -> None:
            log.info("%s: signal %d, finishing the current batch", self.consumer.name, signum)
            self.stop()

        previous = signal.signal(signal.SIGTERM, finish), signal.signal(signal.SIGINT, finish)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])
