"""The projector: keeps the projections (``accounts_now``, ``actors_now``, ``snapshots``) from the
ledger feed, and rebuilds one beside the live one.

Each step is one unit of work as the projector role: hold the projection's generations FOR
SHARE, read the consumer's position, read a page of the feed after it, apply the page to the
generation and store the new position, all in one transaction (``ledger/projections.py``). A
projector killed anywhere (kill -9 included) resumes from the position stored with the last
effects it committed, so it ends with the same rows. One running instance per projection name
(``Ledger.claim``), and one rebuild per name (``NAME#rebuild``). While a page is applied the next
one is read and decoded on a thread of its own (``read_ahead.py``); a step takes it only if it
starts at the position the step read in its transaction.

``Projector`` runs under ``runner.Runner`` (``auditlog projections run``); ``rebuild`` is the
one-shot ``auditlog projections rebuild NAME``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from auditlog.consumers import collector, service
from auditlog.consumers.metrics import MetricsServer, PrometheusMetrics
from auditlog.consumers.read_ahead import ReadAhead
from auditlog.consumers.runner import NO_METRICS, Health, Metrics
from auditlog.consumers.service import Serving
from auditlog.domain.errors import AuditError
from auditlog.domain.settings import Settings
from auditlog.ledger import roles
from auditlog.ledger.feed import START, Position
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.projections import NAMES, Projection, make, rebuild_consumer

log = logging.getLogger(__name__)

# feed rows a transaction: a target's events in one page make one upsert (pages of 50,000 caught
# up 1.3x faster than pages of 20,000 when measured, 1.5x than 5,000); more would hold the feed's
# horizon longer (the page's transaction lasts 1.5-3 s)
BATCH = 50_000
_SWAP_PAGES = 50  # pages the swap's transaction may catch up before it gives the lock back and tries again
# pages applied with the cyclic collector paused (consumers/collector.py) before it may run once:
# a page makes no cycles, but other threads (the metrics server) might
_PAUSED_PAGES = 20


@dataclass
class ProjectorTally:
    rows: dict[str, int] = field(default_factory=dict)  # feed rows applied, by projection
    written: dict[str, int] = field(default_factory=dict)  # projection rows written


def step(ledger: Ledger, projection: Projection, *, batch: int = BATCH, rebuild: bool = False,
         ahead: ReadAhead | None = None) -> tuple[int, int]:
    """Apply the next page of the feed to ``projection`` (its live generation, or the one its
    rebuild fills); (feed rows read, projection rows written). With ``ahead``, the page after a
    full one is read while this one is applied."""
    try:
        with ledger.projecting() as unit:
            generations = unit.generations(projection.name)  # FOR SHARE: no swap while this batch applies
            generation = generations.building if rebuild else generations.live
            if generation is None:
                raise AuditError(f"{projection.name}: no rebuild is under way (another one finished it?)")
            consumer = rebuild_consumer(projection.name) if rebuild else projection.name
            after = unit.feed_position(consumer)
            page = ahead.take(consumer, after, batch) if ahead is not None else None
            if page is None:
                page = unit.read_page(after, batch)
            if not page.rows:
                return 0, 0
            if ahead is not None and len(page.rows) == batch:
                ahead.fetch(consumer, page.last, batch)
            written = unit.apply_projection(projection, generation, page)
            unit.store_feed_position(consumer, page.last)
    except BaseException:
        projection.forget()  # the cache may hold states the rollback undid
        raise
    return len(page.rows), written


@dataclass(frozen=True)
class ProjectorConfig:
    settings: Settings
    names: tuple[str, ...] = NAMES
    batch: int = BATCH
    idle_s: float = 0.5  # wait between reads once caught up


class Projector:
    name = "projector"

    def __init__(self, config: ProjectorConfig, *, metrics: Metrics = NO_METRICS) -> None:
        self.config = config
        self.metrics = metrics
        self.health = Health(self.name)
        self.stats = ProjectorTally()
        self._stop = threading.Event()
        self._projections = [make(name) for name in config.names]  # an unknown name fails here, before any work

    @property
    def consumers(self) -> tuple[str, ...]:
        """The feed consumers it runs (their names in ``feed_positions``)."""
        return self.config.names

    def stop(self) -> None:
        self._stop.set()

    def run(self, until_idle: bool = False) -> ProjectorTally:
        with Ledger.from_settings(self.config.settings) as ledger, ReadAhead(ledger.database_url) as ahead:
            ledger.check_role(roles.PROJECTOR)
            for projection in self._projections:
                ledger.claim(projection.name)
            try:
                self._loop(ledger, ahead, until_idle)
            finally:
                self.health.ready = False
        return self.stats

    def _loop(self, ledger: Ledger, ahead: ReadAhead, until_idle: bool) -> None:
        while not self._stop.is_set():
            with collector.paused():
                for _ in range(_PAUSED_PAGES):
                    caught_up = self._round(ledger, ahead)
                    if caught_up or self._stop.is_set():
                        break
            if caught_up:
                if until_idle:
                    return
                self._stop.wait(self.config.idle_s)

    def _round(self, ledger: Ledger, ahead: ReadAhead) -> bool:
        """A page of each projection; True when none had a full page (caught up)."""
        caught_up = True
        for projection in self._projections:
            started = time.perf_counter()
            read, written = step(ledger, projection, batch=self.config.batch, ahead=ahead)
            if read:
                self._tally(projection.name, read, written, time.perf_counter() - started)
            caught_up &= read < self.config.batch
        self.health.succeeded()
        self.health.ready = caught_up
        self.metrics.gauge("last_success_timestamp_seconds", time.time())
        return caught_up

    def _tally(self, name: str, read: int, written: int, seconds: float) -> None:
        self.stats.rows[name] = self.stats.rows.get(name, 0) + read
        self.stats.written[name] = self.stats.written.get(name, 0) + written
        self.metrics.observe("batch_seconds", seconds, consumer=name)
        self.metrics.count("projected_rows_total", written, projection=name)


@dataclass(frozen=True)
class Rebuilt:
    name: str
    generation: int  # the new live one
    replaced: int  # the one it replaced
    resumed_from: Position  # START for a fresh rebuild
    rows: int  # feed rows read by this run
    seconds: float


def rebuild(settings: Settings, name: str, *, batch: int = BATCH, restart: bool = False,
            progress: Callable[[int], None] | None = None, stop: threading.Event | None = None) -> Rebuilt:
    """Build ``name`` again beside the live one from the whole feed, then swap it in. A rebuild
    that was killed is resumed (``restart``: thrown away and begun again)."""
    projection = make(name)
    stop = stop or threading.Event()
    started = time.monotonic()
    with Ledger.from_settings(settings) as ledger, ReadAhead(ledger.database_url) as ahead:
        ledger.check_role(roles.PROJECTOR)
        ledger.claim(rebuild_consumer(name))
        with ledger.projecting() as unit:
            generation = unit.begin_rebuild(projection, restart=restart)
            replaced = unit.generations(name).live
            resumed_from = unit.feed_position(rebuild_consumer(name))
        if resumed_from != START:
            log.info("%s: resuming the rebuild of generation %d after %s", name, generation, resumed_from)
        total, swapped = 0, False
        while not swapped:
            with collector.paused():
                for _ in range(_PAUSED_PAGES):
                    read, _ = step(ledger, projection, batch=batch, rebuild=True, ahead=ahead)
                    total += read
                    if progress is not None and read:
                        progress(read)
                    if stop.is_set():
                        raise AuditError(f"{name}: rebuild stopped after {total} rows; run it again to resume")
                    if read < batch:
                        swapped = _swap(ledger, projection, generation, batch)
                        break
    return Rebuilt(name, generation, replaced, resumed_from, total, time.monotonic() - started)


def _swap(ledger: Ledger, projection: Projection, generation: int, batch: int) -> bool:
    """Catch up the last rows and make ``generation`` live, in one transaction that holds the
    projection's row FOR UPDATE (the live projector waits for it). False: the feed grew faster
    than the swap could catch up, so go on outside the lock."""
    try:
        with ledger.projecting() as unit:
            unit.generations(projection.name, exclusive=True)
            after = unit.feed_position(rebuild_consumer(projection.name))
            for _ in range(_SWAP_PAGES):
                page = unit.read_page(after, batch)
                if not page.rows:
                    unit.swap_projection(projection, after)
                    log.info("%s: generation %d is live", projection.name, generation)
                    return True
                unit.apply_projection(projection, generation, page)
                after = page.last
            unit.store_feed_position(rebuild_consumer(projection.name), after)
            return False
    except BaseException:
        projection.forget()
        raise


def names_or_all(names: Sequence[str]) -> tuple[str, ...]:
    for name in names:
        make(name)  # refuses an unknown one, naming the known ones
    return tuple(names) or NAMES


def project(settings: Settings, names: Sequence[str] = NAMES, *, batch: int = BATCH, until_idle: bool = False,
            serving: Serving | None = None, on_serving: Callable[[MetricsServer], None] | None = None,
            ) -> ProjectorTally:
    """``auditlog projections run``: keep ``names`` up to date until stopped (or idle), with
    metrics, /healthz and /readyz served when asked."""
    exported = PrometheusMetrics() if serving is not None else None
    projector = Projector(ProjectorConfig(settings, tuple(names), batch),
                          metrics=exported if exported is not None else NO_METRICS)
    bound = settings.ready_lag_rows
    tally: ProjectorTally = service.run(projector, settings, serving, exported, until_idle=until_idle,
                                        watch_topic=False, on_serving=on_serving,
                                        readiness=lambda probe: probe.feed_within(projector.consumers, bound))
    return tally
