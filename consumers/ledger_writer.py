"""The ledger writer: consume admin actions and append each exactly once to the ledger.

It ties together its parts, each doing one job: ``kafka_source`` (the group member, its
rebalances and polls), ``decoding`` (a child process turning message values into ledger
columns), ``lanes`` (appending batches with the offsets they cover, one transaction
each), ``incarnations`` (where to resume a partition, proved by comparing bytes with the
broker), ``checkpointer`` (when to sign) and ``drained`` (whether ``--until-idle`` is done).
It runs under ``runner.Runner``, which handles signals and restarts after failures.

One loop iteration: prove any newly assigned partition, poll, hand each lane's records to
the decoder and the lane, sign a checkpoint if one is due. Nothing is read from or
committed to Kafka's group offsets: the ledger's are the only ones, so a crash or a
rebalance can neither repeat nor skip a batch. Bad messages land in ``rejected``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditlog.consumers.checkpointer import Checkpointer
from auditlog.consumers.collector import fewer_collections
from auditlog.consumers.decoding import Decoder
from auditlog.consumers.drained import drain_state
from auditlog.consumers.incarnations import IncarnationGuard
from auditlog.consumers.kafka_source import TANSU_CLUSTER_ID, KafkaSource
from auditlog.consumers.lanes import AppendLanes, Batch, Tally
from auditlog.consumers.runner import NO_METRICS, Health, Metrics
from auditlog.domain.errors import ServiceUnavailable
from auditlog.domain.settings import Settings
from auditlog.ledger import roles
from auditlog.ledger.append import AppendResult, StaleBatch
from auditlog.ledger.gateway import Ledger
from auditlog.producers.broker_log import BrokerLog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriterConfig:
    """The settings, and the writer's own knobs (not environment variables)."""

    settings: Settings
    decoders: int = 1  # decoder processes; 0 decodes in the writer's own process
    batch_size: int = 5000
    poll_timeout_ms: int = 500
    drain_check_s: float = 0.5  # --until-idle: how often the ledger is held against the log ends
    join_timeout_s: float = 60.0
    recheck_s: float = 30.0  # how often proven partitions are held against the broker again


class LedgerWriter:
    name = "ledger-writer"

    def __init__(self, config: WriterConfig, *, metrics: Metrics = NO_METRICS,
                 on_batch: Callable[[Tally], None] | None = None) -> None:
        self.config = config
        self.metrics = metrics
        self.health = Health(self.name)
        self.stats = Tally()
        self._on_batch = on_batch
        self._stop = threading.Event()
        self._tally = threading.Lock()  # the lanes' threads add to the stats
        self._incarnation: dict[int, int] = {}  # partition -> the incarnation being read
        self._changed: set[int] = set()  # partitions known to be a new incarnation
        self._retry_at = 0.0
        self._retry_delay = 0.2

    def stop(self) -> None:
        """Finish the current batch, commit, sign and return (SIGTERM does this, via the runner)."""
        self._stop.set()

    def run(self, until_idle: bool = False) -> Tally:
        with fewer_collections(), Ledger.from_settings(self.config.settings) as self._ledger:
            self._ledger.check_role(roles.WRITER)  # fail now, not at the first batch
            with BrokerLog(self.config.settings.require_broker()) as self._broker:
                try:
                    self._run(until_idle)
                finally:
                    self.health.ready = False
        return self.stats

    def _run(self, until_idle: bool) -> None:
        settings = self.config.settings
        self._checkpointer = Checkpointer(
            self._ledger, settings.signing_key, settings.checkpoint_export,
            every=settings.checkpoint_every, seconds=settings.checkpoint_seconds, metrics=self.metrics)
        self._guard = IncarnationGuard(self._ledger, self._broker, settings.topic, settings.group)
        self._decoder = Decoder(self.config.decoders)
        try:
            self._lanes = AppendLanes(settings.require_database(), settings.group,
                                      on_appended=self._appended, metrics=self.metrics)
            try:
                self._source = KafkaSource(settings.require_broker(), settings.topic, settings.group,
                                           session_timeout_ms=settings.kafka_session_timeout_ms,
                                           before_revoke=lambda partitions: self._lanes.wait(),
                                           leave_on_close=self._broker.cluster_id() != TANSU_CLUSTER_ID)
                try:
                    self._loop(until_idle)
                    self._finish()
                finally:
                    self._source.close()
            finally:
                self._lanes.close()
        finally:
            self._decoder.close()

    # -- the loop ---------------------------------------------------------------------

    def _loop(self, until_idle: bool) -> None:
        joined_by = time.monotonic() + self.config.join_timeout_s
        recheck_at = time.monotonic() + self.config.recheck_s
        drain_check_at = 0.0
        while not self._stop.is_set():
            if not self._source.joined:
                # While a join is under way do nothing but poll: kafka-python 3.0.12 drops a join
                # that completes while no poll waits on it and joins again (a join takes ~3 s on
                # Tansu), so a member busy between polls can rejoin for ever and stall its group.
                self._source.poll(self.config.batch_size, self.config.poll_timeout_ms)
                if until_idle and time.monotonic() > joined_by and self._drained(joined_by):
                    return
                continue
            self._prove_pending()
            if self._lanes.failed:
                self._recover()
                continue
            polled, out_of_range = self._source.poll(self.config.batch_size, self.config.poll_timeout_ms)
            if out_of_range:
                self._reprove(out_of_range)
                continue
            if polled:
                self._submit(polled)
            else:
                self._checkpointer.maybe_sign()
                self._report_lag()
                if time.monotonic() >= recheck_at:
                    self._reprove(self._guard.changed_anchors(self._source.assigned() - self._source.pending()),
                                  changed=True)
                    recheck_at = time.monotonic() + self.config.recheck_s
            # --until-idle: done once the ledger holds every partition up to the log end the
            # broker reported at the check, even while more keeps arriving after it
            if until_idle and time.monotonic() >= drain_check_at:
                if self._drained(joined_by):
                    return
                drain_check_at = time.monotonic() + self.config.drain_check_s

    def _submit(self, polled: dict[int, list[Any]]) -> None:
        topic = self.config.settings.topic
        by_lane: dict[int, list[Any]] = {}
        for partition, records in polled.items():
            if partition in self._source.pending():
                continue  # fetched before it was held: it is read again once proven
            by_lane.setdefault(self._lanes.lane_of(partition), []).extend(records)
        for lane, records in by_lane.items():
            decoding = self._decoder.submit(topic, [r.value for r in records])
            incarnations = {p: self._incarnation.get(p, 0) for p in {r.partition for r in records}}
            self._lanes.submit(lane, Batch(records, decoding, incarnations))

    def _appended(self, result: AppendResult) -> None:
        """A lane committed a batch (on the lane's thread)."""
        self._checkpointer.note(result.appended)
        with self._tally:
            self.stats.add(result)
            if self._on_batch is not None:
                self._on_batch(self.stats)
        self.health.succeeded()
        self.metrics.gauge("last_success_timestamp_seconds", time.time())

    # -- proving where partitions resume ----------------------------------------------------

    def _prove_pending(self) -> None:
        pending = self._source.pending()
        if not pending or time.monotonic() < self._retry_at:
            return
        failure = self._lanes.settle()  # the ledger's offsets must include every batch in flight
        if failure is not None:
            self._handle(failure)
            return
        try:
            points = self._guard.resume_points(pending, changed=self._changed & pending)
        except ServiceUnavailable as exc:
            # Postgres or the broker is away: stay in the group (polling with every partition
            # paused) and try again with a growing delay
            log.warning("cannot prove where to resume %s yet: %s", sorted(pending), exc.reason)
            self._retry_at = time.monotonic() + self._retry_delay
            self._retry_delay = min(self._retry_delay * 2, 5.0)
            return
        self._retry_delay = 0.2
        self._changed -= set(points)
        self._incarnation.update({p: point.incarnation for p, point in points.items()})
        self._source.start({p: point.offset for p, point in points.items()})
        self.health.ready = not self._source.pending()

    def _reprove(self, partitions: list[int], *, changed: bool = False) -> None:
        if partitions:
            if changed:
                self._changed |= set(partitions)
            self._source.hold(partitions)

    def _recover(self) -> None:
        failure = self._lanes.settle()
        if failure is not None:
            self._handle(failure)

    def _handle(self, failure: BaseException) -> None:
        """A batch failed and was dropped, with every batch behind it: prove every partition
        again from the ledger's offsets (another writer may have written it meanwhile, or
        Postgres lost what it had acknowledged). Anything else is raised."""
        if isinstance(failure, StaleBatch):
            log.warning("%s", failure.reason)
        elif isinstance(failure, ServiceUnavailable):
            log.warning("ledger unavailable: %s", failure.reason)
        else:
            raise failure
        self.health.ready = False
        self._source.hold(self._source.assigned())

    # -- idle, lag, the end ---------------------------------------------------------------------

    def _drained(self, joined_by: float) -> bool:
        """Whether the ledger holds every partition up to its log end now. Batches still in
        flight simply leave the ledger behind: the check never waits for them (it runs every
        ``drain_check_s`` even while records flow, and waiting would stall the lanes)."""
        if self._lanes.failed or self._source.pending():
            return False
        settings = self.config.settings
        drain = drain_state(self._ledger, self._broker, settings.topic, settings.group)
        if drain.past_end:
            self._reprove(sorted(set(drain.past_end) & self._source.assigned()))
        if time.monotonic() > joined_by and not self._source.joined:
            if not drain.done:
                raise ServiceUnavailable(
                    f"not let into the group of {settings.topic!r} after {self.config.join_timeout_s:.0f}s "
                    f"while {sum(drain.behind.values())} messages wait")
            return True
        # a member leaves only once its join is over (see KafkaSource.close)
        return drain.done and self._source.joined

    def _report_lag(self) -> None:
        for partition, behind in self._source.lag().items():
            self.metrics.gauge("partition_lag_messages", behind, partition=str(partition))

    def _finish(self) -> None:
        failure = self._lanes.settle()
        if failure is not None and not isinstance(failure, (StaleBatch, ServiceUnavailable)):
            raise failure
        self._checkpointer.sign()
        self.stats.checkpoints = self._checkpointer.signed
