"""Prometheus metrics, /healthz and /readyz for a long-running consumer (``--metrics-port``).

``PrometheusMetrics`` is the runner's ``Metrics`` hook made of ``prometheus_client`` metrics:
a consumer's ``count``/``gauge``/``observe`` calls become counters, gauges and histograms
named ``auditlog_`` + the name (``count("rejected_total", reason=...)`` is
``auditlog_rejected_total{reason="..."}``). ``MetricsServer`` serves them with the consumer's
health on one port, bound to 127.0.0.1 unless told otherwise:

- ``/metrics``: Prometheus text.
- ``/healthz``: 200 while the consumer is alive and not stuck retrying (503 after
  ``STUCK_FAILURES`` failures in a row).
- ``/readyz``: 200 once the consumer says it is ready (joined, proven) and what it consumes is
  caught up within bounds (``ready`` decides); 503 with the reason otherwise.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from auditlog.consumers.runner import Health
from auditlog.domain.errors import ServiceUnavailable

log = logging.getLogger(__name__)

PREFIX = "auditlog_"
STUCK_FAILURES = 5

# what each metric means (its HELP line); a name not listed gets its own name as help
HELP = {
    "events_appended_total": "events the ledger writer appended",
    "rejected_total": "messages the ledger writer could not accept, by kind of reason",
    "batch_seconds": "seconds one batch took to append (writer) or project (projectors)",
    "partition_lag_messages": "messages in the topic's partition the ledger does not hold yet",
    "partition_lag_seconds": "how long the oldest message the ledger does not hold yet has waited",
    "last_success_timestamp_seconds": "when the consumer last finished a unit of work (unix time)",
    "checkpoints_signed_total": "signed checkpoints of the chain heads",
    "ledger_head_seq": "seq of the last row the ledger feed can give now",
    "consumer_position_seq": "seq of the last feed row a feed consumer has read",
    "consumer_lag_rows": "feed rows a feed consumer has not read yet",
    "consumer_lag_seconds": "how long the oldest feed row a consumer has not read has waited",
    "feed_held_rows": "committed ledger rows a running transaction holds above the feed's horizon",
    "rejected_oldest_seconds": "age of the oldest rejected message no re-drive has resolved (0: none)",
    "rejected_unresolved": "rejected messages no re-drive has resolved",
    "projected_rows_total": "projection rows written, by projection",
}
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class PrometheusMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._metrics: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._refused: set[str] = set()

    def count(self, name: str, value: float = 1, **labels: str) -> None:
        metric = self._metric(Counter, name, labels)
        if metric is not None:
            metric.inc(value)

    def gauge(self, name: str, value: float, **labels: str) -> None:
        metric = self._metric(Gauge, name, labels)
        if metric is not None:
            metric.set(value)

    def observe(self, name: str, value: float, **labels: str) -> None:
        metric = self._metric(Histogram, name, labels)
        if metric is not None:
            metric.observe(value)

    def text(self) -> bytes:
        return bytes(generate_latest(self.registry))

    def _metric(self, kind: type, name: str, labels: dict[str, str]) -> Any:
        full = PREFIX + name
        with self._lock:
            metric = self._metrics.get(full)
            if metric is None:
                options: dict[str, Any] = {"buckets": _BUCKETS} if kind is Histogram else {}
                metric = kind(full, HELP.get(name, name.replace("_", " ")), labelnames=sorted(labels),
                              registry=self.registry, **options)
                self._metrics[full] = metric
        try:
            return metric.labels(**labels) if labels else metric
        except ValueError as exc:  # a call with other label names than the first: a bug, never a crash
            if full not in self._refused:
                self._refused.add(full)
                log.error("metric %s: %s", full, exc)
            return None


class MetricsServer:
    """Serves ``metrics`` and ``health`` on ``host:port`` from a daemon thread until closed.
    ``ready()`` answers (ready, reason)."""

    def __init__(self, metrics: PrometheusMetrics, health: Health, ready: Callable[[], tuple[bool, str]], *,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"metrics": metrics, "health": health, "ready": staticmethod(ready)})
        try:
            self._server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise ServiceUnavailable(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from exc
        self._server.daemon_threads = True
        self.host, self.port = host, int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics-http", daemon=True)
        self._thread.start()
        log.info("metrics on http://%s:%d/metrics (and /healthz, /readyz)", self.host, self.port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    metrics: PrometheusMetrics
    health: Health
    ready: Callable[[], tuple[bool, str]]

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, self.metrics.text(), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            stuck = self.health.failures >= STUCK_FAILURES
            self._json(503 if stuck else 200, {"alive": not stuck, "consumer": self.health.name,
                                               "failures": self.health.failures, "last_error": self.health.last_error,
                                               "last_success": self.health.last_success})
        elif path == "/readyz":
            try:
                ready, reason = self.ready()
            except Exception as exc:  # the check itself failed (Postgres away): not ready, and say why
                ready, reason = False, f"readiness check failed: {exc}"
            self._json(200 if ready else 503, {"ready": ready, "consumer": self.health.name, "reason": reason})
        else:
            self._json(404, {"error": f"no such path {path}; try /metrics, /healthz or /readyz"})

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, (json.dumps(body) + "\n").encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        log.debug("metrics %s", format % args)
