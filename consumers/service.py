"""A long-running consumer as a service: under the runner, with ``--metrics-port``'s server and
lag probe when asked for.

``/readyz`` is the consumer's own word (``Health.ready``: joined and proven, or caught up on its
last pass) and the probe's measure held to a bound: the writer within
``AUDITLOG_READY_LAG_MESSAGES`` of the topic's log ends, a projector within
``AUDITLOG_READY_LAG_ROWS`` of the feed's head.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from auditlog.consumers.metrics import MetricsServer, PrometheusMetrics
from auditlog.consumers.probe import LagProbe
from auditlog.consumers.runner import Consumer, Runner
from auditlog.domain.settings import Settings


@dataclass(frozen=True)
class Serving:
    """Where to serve /metrics, /healthz and /readyz (port 0: any free port)."""

    port: int
    host: str = "127.0.0.1"
    probe_every_s: float = 5.0


def run(consumer: Consumer, settings: Settings, serving: Serving | None, metrics: PrometheusMetrics | None, *,
        until_idle: bool, readiness: Callable[[LagProbe], tuple[bool, str]], watch_topic: bool,
        on_serving: Callable[[MetricsServer], None] | None = None) -> Any:
    """Run ``consumer`` until it stops (or is idle); with ``serving``, serve its metrics meanwhile."""
    with ExitStack() as stack:
        if serving is not None and metrics is not None:
            probe = LagProbe(settings, metrics, watch_topic=watch_topic, every_s=serving.probe_every_s).start()
            stack.callback(probe.close)

            def ready() -> tuple[bool, str]:
                if not consumer.health.ready:
                    return False, consumer.health.last_error or f"{consumer.name} is not ready (joining or catching up)"
                return readiness(probe)

            server = stack.enter_context(MetricsServer(metrics, consumer.health, ready, host=serving.host,
                                                       port=serving.port))
            if on_serving is not None:
                on_serving(server)
        return Runner(consumer).run(until_idle)
