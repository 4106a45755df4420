"""The lag probe beside a metrics server: every few seconds it measures how far behind the
writer and the feed consumers are (``consumers/lag.py``), exports it as gauges, and keeps the
last measure for ``/readyz``.

It runs on its own thread with its own ledger connection (and broker client when it watches the
topic), so a slow or failing measure never slows the consumer it watches; a failed measure is
logged and leaves the consumer unready until one succeeds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from auditlog.consumers import lag
from auditlog.consumers.runner import Metrics
from auditlog.domain.errors import AuditError
from auditlog.domain.settings import Settings
from auditlog.ledger.gateway import Ledger
from auditlog.producers.broker_log import BrokerLog

log = logging.getLogger(__name__)


class LagProbe:
    def __init__(self, settings: Settings, metrics: Metrics, *, watch_topic: bool, every_s: float = 5.0) -> None:
        self.settings = settings
        self.metrics = metrics
        self.watch_topic = watch_topic
        self.every_s = every_s
        self.partitions: tuple[lag.PartitionLag, ...] | None = None
        self.consumers: dict[str, lag.ConsumerLag] | None = None
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lag-probe", daemon=True)

    def start(self) -> LagProbe:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def topic_within(self, bound: int) -> tuple[bool, str]:
        """Whether the ledger holds the topic up to ``bound`` messages behind its log ends."""
        if self.partitions is None:
            return False, self.error or "the topic's lag has not been measured yet"
        behind = sum(p.behind for p in self.partitions)
        if behind > bound:
            return False, f"{behind} messages behind the topic's log ends (bound {bound})"
        return True, f"{behind} messages behind the topic's log ends (bound {bound})"

    def feed_within(self, consumers: Sequence[str], bound: int) -> tuple[bool, str]:
        """Whether each of ``consumers`` is at most ``bound`` feed rows behind the head."""
        if self.consumers is None:
            return False, self.error or "the feed's lag has not been measured yet"
        worst = [(self.consumers[c].rows_behind, c) for c in consumers if c in self.consumers]
        missing = [c for c in consumers if c not in self.consumers]
        if missing:
            return False, f"{', '.join(missing)} has read nothing yet"
        rows, name = max(worst, default=(0, "-"))
        if rows > bound:
            return False, f"{name} is {rows} feed rows behind (bound {bound})"
        return True, f"at most {rows} feed rows behind (bound {bound})"

    def _run(self) -> None:
        ledger: Ledger | None = None
        broker: BrokerLog | None = None
        try:
            while not self._stop.is_set():
                try:
                    ledger = ledger or Ledger.from_settings(self.settings)
                    if self.watch_topic:
                        broker = broker or BrokerLog(self.settings.require_broker(), client_id="auditlog-lag-probe")
                    self._measure(ledger, broker)
                    self.error = None
                except AuditError as exc:
                    self.error = f"lag not measured: {exc.reason}"
                    log.warning("%s", self.error)
                    if broker is not None:
                        broker.close()
                        broker = None
                self._stop.wait(self.every_s)
        finally:
            if broker is not None:
                broker.close()
            if ledger is not None:
                ledger.close()

    def _measure(self, ledger: Ledger, broker: BrokerLog | None) -> None:
        m = self.metrics
        if broker is not None:
            partitions = lag.partition_lag(ledger, broker, self.settings.topic, self.settings.group)
            for p in partitions:
                m.gauge("partition_lag_messages", p.behind, partition=str(p.partition))
                m.gauge("partition_lag_seconds", p.oldest_unread_seconds or 0.0, partition=str(p.partition))
            self.partitions = partitions
        head, consumers = lag.feed_lag(ledger)
        m.gauge("ledger_head_seq", head.position.seq if head.position else 0)
        m.gauge("feed_held_rows", head.held_rows)
        for c in consumers:
            m.gauge("consumer_position_seq", c.position.seq, consumer=c.consumer)
            m.gauge("consumer_lag_rows", c.rows_behind, consumer=c.consumer)
            m.gauge("consumer_lag_seconds", c.seconds_behind, consumer=c.consumer)
        self.consumers = {c.consumer: c for c in consumers}
        with ledger.reading() as unit:
            unresolved, oldest = unit.oldest_unresolved_rejected()
        m.gauge("rejected_unresolved", unresolved)
        age = 0.0 if oldest is None else max(0.0, time.time() - oldest.astimezone(UTC).timestamp())
        m.gauge("rejected_oldest_seconds", age)
        log.debug("lag measured at %s", datetime.now(UTC).isoformat())
