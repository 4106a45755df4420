"""Alert sinks: deliver each alert from the outbox to a webhook and to a Kafka topic.

The detector writes an outbox row per (alert, sink) in the transaction that appends the alert,
so an alert is never lost to a down sink; a thread beside the detector delivers, so a slow sink
never slows detection. Each pass reads the due rows in a short transaction, delivers outside any
transaction (a transaction held open across an HTTP call would hold back the feed's horizon for
every feed consumer), then records the outcome. A failed delivery is tried again after a backoff
that doubles up to ``MAX_BACKOFF_S``. Delivery is at least once: a crash between sending and
recording sends that alert again, and receivers deduplicate by its ``id``.

The webhook: ``POST`` of the alert's JSON (``ledger.alerts.alert_plain``) with
``X-Auditlog-Signature: sha256=<hex HMAC-SHA256 of the body>`` keyed by
``AUDITLOG_ALERT_WEBHOOK_SECRET``. The topic: the same bytes, keyed by the target id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, Protocol

from auditlog.consumers.runner import Metrics
from auditlog.domain.errors import AuditError
from auditlog.domain.settings import Settings
from auditlog.ledger.alerts import AlertFilter, alert_plain
from auditlog.ledger.gateway import Ledger

log = logging.getLogger(__name__)

WEBHOOK = "webhook"
TOPIC = "topic"
SIGNATURE_HEADER = "X-Auditlog-Signature"
MAX_BACKOFF_S = 60.0
_PAGE = 100
_TIMEOUT_S = 5.0


def configured_sinks(settings: Settings) -> tuple[str, ...]:
    """The sinks the settings name (each alert gets an outbox row for each)."""
    return tuple(name for name, on in ((WEBHOOK, settings.alert_webhook), (TOPIC, settings.alert_topic)) if on)


def body_of(plain: dict[str, Any]) -> bytes:
    return json.dumps(plain, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """The webhook's signature header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def backoff_s(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 0.5, 1, 2, ... up to 60."""
    return float(min(MAX_BACKOFF_S, 0.5 * 2 ** max(0, attempts - 1)))


class Sink(Protocol):
    name: str

    def send(self, key: str, body: bytes) -> None: ...

    def close(self) -> None: ...


class WebhookSink:
    name = WEBHOOK

    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret

    def send(self, key: str, body: bytes) -> None:
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: signature(self.secret, body)})
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise AuditError(f"webhook answered {exc.code} {exc.reason}", retriable=True) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise AuditError(f"webhook unreachable: {getattr(exc, 'reason', exc)}", retriable=True) from exc

    def close(self) -> None:
        pass


class TopicSink:
    name = TOPIC

    def __init__(self, bootstrap: str, topic: str) -> None:
        from kafka import KafkaProducer

        self.topic = topic
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=10_000)

    def send(self, key: str, body: bytes) -> None:
        try:
            self.producer.send(self.topic, key=key.encode("utf-8"), value=body).get(timeout=15)
        except Exception as exc:  # kafka-python raises its own tree; the reason is what matters
            raise AuditError(f"alert topic {self.topic}: {exc}", retriable=True) from exc

    def close(self) -> None:
        self.producer.close(timeout=5)


def make_sink(settings: Settings, name: str) -> Sink:
    if name == WEBHOOK:
        assert settings.alert_webhook is not None and settings.alert_webhook_secret is not None
        return WebhookSink(settings.alert_webhook, settings.alert_webhook_secret)
    assert settings.alert_topic is not None
    return TopicSink(settings.require_broker(), settings.alert_topic)


def deliver_due(ledger: Ledger, sink: Sink, metrics: Metrics | None = None) -> tuple[int, int]:
    """One pass over ``sink``'s due alerts; (delivered, failed)."""
    with ledger.writing() as unit:
        due = unit.outbox_due(sink.name, _PAGE)
        alerts = {a.id: a for a in unit.alerts(AlertFilter(alert_ids=tuple(i for i, _ in due)), limit=_PAGE)} \
            if due else {}
    sent = failed = 0
    for alert_id, attempts in due:
        alert = alerts[alert_id]
        try:
            sink.send(alert.target_id, body_of(alert_plain(alert)))
        except AuditError as exc:
            failed += 1
            delay = backoff_s(attempts + 1)
            log.warning("alert %d to %s failed (%s); trying again in %.1fs", alert_id, sink.name, exc.reason, delay)
            with ledger.writing() as unit:
                unit.outbox_failed(sink.name, alert_id, exc.reason, delay)
            break  # the sink is down: the rest wait for the next pass instead of each timing out now
        sent += 1
        with ledger.writing() as unit:
            unit.outbox_delivered(sink.name, alert_id)
    if metrics is not None:
        if sent:
            metrics.count("alerts_delivered_total", sent, sink=sink.name)
        if failed:
            metrics.count("alert_deliveries_failed_total", failed, sink=sink.name)
    return sent, failed


class Deliveries:
    """A thread that delivers every sink's due alerts until stopped."""

    def __init__(self, settings: Settings, sinks: Sequence[str], metrics: Metrics, every_s: float = 0.2) -> None:
        self.settings, self.names, self.metrics, self.every_s = settings, tuple(sinks), metrics, every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.names:
            self._thread = threading.Thread(target=self._run, name="alert-sinks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop after one more pass over what is due now."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        sinks: dict[str, Sink] = {}
        try:
            with Ledger.from_settings(self.settings) as ledger:  # its own connection: not the detector's
                while True:
                    stopping = self._stop.is_set()
                    for name in self.names:
                        sink = sinks.get(name) or self._open(name)
                        if sink is None:
                            continue  # not reachable yet: its alerts wait in the outbox
                        sinks[name] = sink
                        try:
                            deliver_due(ledger, sink, self.metrics)
                        except AuditError as exc:  # Postgres gone: the detector's runner handles that
                            log.warning("alert deliveries paused: %s", exc.reason)
                    if stopping:
                        return
                    self._stop.wait(self.every_s)
        except AuditError as exc:
            log.warning("alert deliveries stopped: %s", exc.reason)
        finally:
            for sink in sinks.values():
                sink.close()

    def _open(self, name: str) -> Sink | None:
        """The sink, or None (logged) when it cannot be made now: a broker down at start must not end
        the deliveries thread, whose alerts would then wait until the detector restarts."""
        try:
            return make_sink(self.settings, name)
        except Exception as exc:  # kafka-python raises its own tree (NoBrokersAvailable, ...)
            log.warning("alert sink %s unavailable (%s); trying again on the next pass", name, exc)
            return None
