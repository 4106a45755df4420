"""The detector: judges every event of the ledger feed by the rules (``domain/rules.py``) and
appends what they find as alerts.

Each step is one unit of work as the writer: read a page of the feed after the detector's
position, judge its events in feed order (the order the ledger learned them), append the new
alerts with an outbox row per sink, and store the new position, all in one transaction. The
alerts table refuses a second alert for one (rule, event) and ``insert_alerts`` skips those
already stored, so a detector killed anywhere (kill -9 included) neither loses nor repeats one.

The rules need each account's and actor's state before the event and the actor's recent
history: a ``Judge`` holds them in memory. It is rebuilt at every start by folding the feed up to
the stored position without judging (``warm``), and after a failed step the runner starts the
detector again, so a judge never holds states a rolled-back step had folded.

``backtest`` runs the same judge over the whole feed without storing or sending anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from auditlog.consumers import service
from auditlog.consumers.alert_sinks import Deliveries, configured_sinks
from auditlog.consumers.collector import fewer_collections
from auditlog.consumers.metrics import MetricsServer, PrometheusMetrics
from auditlog.consumers.runner import NO_METRICS, Health, Metrics, Runner
from auditlog.consumers.service import Serving
from auditlog.domain.detection import Judge, LateCheck
from auditlog.domain.model import AdminAction
from auditlog.domain.rules import Finding
from auditlog.domain.rules_config import RulesConfig, load_rules
from auditlog.domain.settings import Settings
from auditlog.ledger import roles
from auditlog.ledger.alerts import AlertDraft
from auditlog.ledger.feed import START, FeedRow, Position
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.units import ReadUnit

log = logging.getLogger(__name__)

CONSUMER = "detector"  # its name in feed_positions and its claim
BATCH = 5_000  # feed rows a transaction
IDLE_S = 0.05  # wait between reads once caught up: an alert's delay is mostly this and the writer's commit


@dataclass
class DetectorTally:
    events: int = 0  # events judged
    alerts: int = 0  # alerts appended
    warmed: int = 0  # events folded at start without judging


@dataclass(frozen=True)
class DetectorConfig:
    settings: Settings
    rules: RulesConfig
    batch: int = BATCH
    idle_s: float = IDLE_S
    deliver: bool = True  # run the sinks' deliveries beside the detector


class Detector:
    name = "detector"

    def __init__(self, config: DetectorConfig, *, metrics: Metrics = NO_METRICS) -> None:
        self.config = config
        self.metrics = metrics
        self.health = Health(self.name)
        self.stats = DetectorTally()
        self.sinks = configured_sinks(config.settings)
        self._stop = threading.Event()
        self._drain = threading.Event()

    @property
    def consumers(self) -> tuple[str, ...]:
        return (CONSUMER,)

    def stop(self) -> None:
        self._stop.set()

    def drain(self) -> None:
        """Finish once the feed's head is judged (as --until-idle would), not at once."""
        self._drain.set()

    def run(self, until_idle: bool = False) -> DetectorTally:
        deliveries = Deliveries(self.config.settings, self.sinks, self.metrics) if self.config.deliver else None
        with Ledger.from_settings(self.config.settings) as ledger:
            ledger.check_role(roles.WRITER)
            ledger.claim(CONSUMER)
            judge = Judge(self.config.rules)
            with ledger.reading() as unit:
                stored = unit.feed_position(CONSUMER)
            self.stats.warmed += warm(ledger, judge, stored, self._stop)
            if deliveries is not None:
                deliveries.start()
            try:
                self._loop(ledger, judge, until_idle)
            finally:
                self.health.ready = False
                if deliveries is not None:
                    deliveries.stop()
        return self.stats

    def _loop(self, ledger: Ledger, judge: Judge, until_idle: bool) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            read, events, raised = step(ledger, judge, self.sinks, batch=self.config.batch)
            self.stats.events += events
            self.stats.alerts += raised
            self.health.succeeded()
            if read:
                self.metrics.observe("batch_seconds", time.perf_counter() - started, consumer=CONSUMER)
                self.metrics.count("alerts_raised_total", raised)
            self.metrics.gauge("last_success_timestamp_seconds", time.time())
            caught_up = read < self.config.batch
            self.health.ready = caught_up
            if caught_up:
                if until_idle or self._drain.is_set():
                    return
                self._stop.wait(self.config.idle_s)


def step(ledger: Ledger, judge: Judge, sinks: Sequence[str], *, batch: int = BATCH) -> tuple[int, int, int]:
    """Judge the next page of the feed and append its alerts with the new position, in one
    transaction; (feed rows read, events judged, alerts appended)."""
    with ledger.writing() as unit:
        rows = unit.read_feed(unit.feed_position(CONSUMER), batch)
        if not rows:
            return 0, 0, 0
        found: list[tuple[Finding, int]] = []
        events = 0
        for row, event in _events(rows):
            events += 1
            found.extend((f, row.seq) for f in judge.judge(event))
            for check in judge.take_late_checks():  # a late offboarding: the actions the ledger held
                found.extend(_late(unit, judge, check, row.position))
        appended = unit.insert_alerts([draft_of(f, seq) for f, seq in found], sinks)
        unit.store_feed_position(CONSUMER, rows[-1].position)
    return len(rows), events, len(appended)


def _late(unit: ReadUnit, judge: Judge, check: LateCheck, at: Position) -> list[tuple[Finding, int]]:
    """The late findings of an offboarding at ``at``: its actor's actions the ledger held before it."""
    held = unit.actor_actions(check.actor_id, check.since, at)
    seqs = {event.event_id: seq for seq, event in held}
    return [(f, seqs[f.event_id]) for f in judge.late_findings(check, [event for _, event in held])]


def _events(rows: Sequence[FeedRow]) -> Iterator[tuple[FeedRow, AdminAction]]:
    for row in rows:
        if row.kind == "event":
            yield row, row.event()


def draft_of(finding: Finding, event_seq: int) -> AlertDraft:
    return AlertDraft(finding.rule, finding.severity.value, finding.event_id, event_seq, finding.actor_id,
                      finding.target_id, finding.occurred_at, finding.summary, finding.related_event_id,
                      finding.late)


def warm(ledger: Ledger, judge: Judge, upto: Position, stop: threading.Event | None = None) -> int:
    """Fold every event up to ``upto`` into ``judge`` without judging, read as the rules read them
    (the backtest's reader, held equal to the feed's events by a test); how many."""
    folded = 0
    if upto == START:
        return 0
    with fewer_collections(), ledger.reading() as unit:
        for _, _, event in unit.judged_events(upto):
            judge.warm(event)
            folded += 1
            if stop is not None and stop.is_set():
                break
    return folded


@dataclass
class Backtest:
    start: datetime
    end: datetime
    judged: int = 0  # events within [start, end]
    folded: int = 0  # events outside it, folded for the states the rules need
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def backtest(settings: Settings, rules: RulesConfig, start: datetime, end: datetime,
             progress: Callable[[int], None] | None = None) -> Backtest:
    """What the rules would have raised for the events that occurred in [start, end], judged in
    feed order with every other event folded for context; nothing is stored or sent. Reads the
    events as the rules read them (``ledger/judged.py``), in one snapshot."""
    result = Backtest(start, end)
    began = time.perf_counter()
    judge = Judge(rules)
    judged = folded = 0  # locals, not attributes, per event
    with fewer_collections(), Ledger.from_settings(settings) as ledger, ledger.reading() as unit:
        for n, (txid, seq, event) in enumerate(unit.judged_events(), start=1):
            if start <= event.occurred_at <= end:
                found = judge.judge(event)
                if found:
                    result.findings.extend(f for f in found if start <= f.occurred_at <= end)
                judged += 1
            elif event.action == "actor.offboard":
                judge.judge(event)  # outside the window, but its late check may reach into it
                folded += 1
            else:
                judge.warm(event)
                folded += 1
            for check in judge.take_late_checks():
                late = _late(unit, judge, check, Position(txid, seq))
                result.findings.extend(f for f, _ in late if start <= f.occurred_at <= end)
            if progress is not None and n % _PROGRESS_EVERY == 0:
                progress(_PROGRESS_EVERY)
    result.judged, result.folded = judged, folded
    result.seconds = time.perf_counter() - began
    return result


_PROGRESS_EVERY = 10_000


@contextmanager
def detecting(settings: Settings) -> Iterator[Detector]:
    """A detector judging the feed in a thread while the block runs (the demo ingests meanwhile);
    at the block's end it judges what is left, stops, and raises what stopped it, if anything."""
    detector = Detector(DetectorConfig(settings, load_rules(settings.rules_file)))
    runner = Runner(detector)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            runner.run()
        except BaseException as exc:  # handed to the caller's thread below
            failed.append(exc)

    thread = threading.Thread(target=run, name="detector", daemon=True)
    thread.start()
    try:
        yield detector
    finally:
        detector.drain()
        thread.join()
    if failed:
        raise failed[0]


def detect(settings: Settings, *, until_idle: bool = False, batch: int = BATCH, serving: Serving | None = None,
           on_serving: Callable[[MetricsServer], None] | None = None) -> DetectorTally:
    """``auditlog detect``: judge the feed until stopped (or idle), with metrics, /healthz and
    /readyz served when asked."""
    exported = PrometheusMetrics() if serving is not None else None
    detector = Detector(DetectorConfig(settings, load_rules(settings.rules_file), batch=batch),
                        metrics=exported if exported is not None else NO_METRICS)
    bound = settings.ready_lag_rows
    tally: DetectorTally = service.run(detector, settings, serving, exported, until_idle=until_idle,
                                       watch_topic=False, on_serving=on_serving,
                                       readiness=lambda probe: probe.feed_within(detector.consumers, bound))
    return tally
