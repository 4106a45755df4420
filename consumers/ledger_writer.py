"""The ledger writer: consume admin actions and append each exactly once to the ledger.

One loop iteration is one batch: poll, decode, split into accepted events and
rejections, then append both *and the next offsets* in one Postgres
transaction. Decoding runs in a process of its own (``decoding.py``) and appends
on threads of their own (``append_pipeline.py``), one per lane of partitions, so
the next batches are polled and decoded while the last ones commit. On (re)assignment the writer seeks to the
offsets stored in Postgres, never Kafka's committed ones, so a crash or rebalance can neither
repeat nor skip a batch. Bad messages land in ``rejected``; the writer keeps going.
With a signing key it also signs a checkpoint of the chain heads every
``checkpoint_every`` events or ``checkpoint_seconds``, and once more on a clean exit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaConsumer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError

from auditlog.consumers.append_pipeline import AppendPipeline
from auditlog.consumers.collector import fewer_collections
from auditlog.consumers.decoding import Decoder
from auditlog.domain.errors import AuditError, ServiceUnavailable
from auditlog.ledger.append import EventColumns, Incoming, OffsetRange, Rejection, StaleBatch, append_batch
from auditlog.ledger.checkpoints import make_checkpoint
from auditlog.ledger.db import connect, translated_errors
from auditlog.ledger.keys import load_private
from auditlog.ledger.roles import WRITER
from auditlog.ledger.sql import query

log = logging.getLogger(__name__)

# Tansu (the local broker) completes group joins in ~3 s with this interval and
# not within 20 s with the 300 s default; it also bounds how long a frozen
# writer can hold its partitions before the group moves them.
MAX_POLL_INTERVAL_MS = 10_000
SESSION_TIMEOUT_MS = 6_000
# What one fetch may bring back. Memory stays flat however long the topic is (Tansu
# answers a fetch with as much of a partition as these allow), and a few thousand
# events per fetch keeps the appends fed.
FETCH_MAX_BYTES = 2 * 1024 * 1024
PARTITION_FETCH_MAX_BYTES = 1024 * 1024

# Partition p is appended by lane p % APPEND_LANES, each lane on its own thread and
# connection: while one lane's commit waits for its WAL flush, the other's COPY runs
# (appends alone: 41k events/s with one lane, 56k with two, on the 2-core dev box).
APPEND_LANES = 2

# the polled records of one lane, and their decoding under way in a decoder process
_Batch = tuple[list[Any], "Future[list[EventColumns | str]]"]


@dataclass
class WriterStats:
    appended: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    checkpoints: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class WriterConfig:
    database_url: str
    bootstrap_servers: str
    topic: str
    group: str
    batch_size: int = 5000
    poll_timeout_ms: int = 500
    idle_grace_s: float = 1.0  # --until-idle: caught up for this long means idle
    join_timeout_s: float = 60.0
    signing_key: Path | None = None  # None: no checkpoints
    checkpoint_export: Path | None = None
    checkpoint_every: int = 10_000  # events
    checkpoint_seconds: float = 60.0
    decoders: int = 1  # decoder processes; 0 decodes in the writer's own process


class LedgerWriter:
    def __init__(self, config: WriterConfig, on_batch: Callable[[WriterStats], None] | None = None) -> None:
        self.config = config
        self.stats = WriterStats()
        self._stop = threading.Event()
        self._on_batch = on_batch
        self._conn: psycopg.Connection | None = None  # the loop's: offsets, re-seeks, the last checkpoint
        self._lane_conns: list[psycopg.Connection | None] = [None] * APPEND_LANES
        self._tally = threading.Lock()  # the lanes' threads share stats and the checkpoint counters
        self._consumer: KafkaConsumer | None = None
        self._key: Ed25519PrivateKey | None = None
        self._unsigned = 0  # events appended since the last checkpoint
        self._signed_at = time.monotonic()
        # (partitions, stored offsets) of the last assignment, to hold against the log ends
        # after the poll: a rebalance callback may not make blocking broker calls itself
        self._new_assignment: tuple[Any, dict[int, int]] | None = None

    def stop(self) -> None:
        """Ask the loop to finish its current batch, commit and return (SIGTERM does this)."""
        self._stop.set()

    def run(self, until_idle: bool = False) -> WriterStats:
        if self.config.signing_key is not None:
            self._key = load_private(self.config.signing_key)  # a bad key fails now, not at the first checkpoint
        with fewer_collections():
            return self._run(until_idle)

    def _run(self, until_idle: bool) -> WriterStats:
        self._conn = self._connect_with_retry()
        self._decoder = Decoder(self.config.decoders)
        self._pipeline: AppendPipeline[_Batch] = AppendPipeline(self._append, lanes=APPEND_LANES, depth=2)
        self._consumer = self._open_consumer()
        try:
            self._loop(until_idle)
            self._settle()
            if self._unsigned:
                self._checkpoint()
        finally:
            self._pipeline.close()
            self._decoder.close()
            self._consumer.close(autocommit=False)
            for conn in [self._conn, *self._lane_conns]:
                if conn is not None:
                    conn.close()
        return self.stats

    # -- the loop ---------------------------------------------------------

    def _loop(self, until_idle: bool) -> None:
        assert self._consumer is not None
        idle_since: float | None = None
        joined_by = time.monotonic() + self.config.join_timeout_s
        while not self._stop.is_set():
            polled = self._consumer.poll(timeout_ms=self.config.poll_timeout_ms,
                                         max_records=self.config.batch_size)
            if self._new_assignment is not None:
                partitions, offsets = self._new_assignment
                self._new_assignment = None
                reason = _past_log_end(self._consumer, partitions, offsets)
                if reason is not None:
                    raise AuditError(reason)
            if self._pipeline.failed:
                self._settle()
                continue  # what this poll brought was read from before the re-seek
            if polled:
                lanes: dict[int, list[Any]] = {}
                for tp, batch in polled.items():
                    lanes.setdefault(tp.partition % APPEND_LANES, []).extend(batch)
                for lane, records in lanes.items():
                    # one topic is subscribed, so every record is of it
                    decoding = self._decoder.submit(records[0].topic, [r.value for r in records])
                    self._pipeline.submit((records, decoding), lane)
                idle_since = None
                continue
            if not until_idle:
                continue
            if not self._consumer.assignment():
                if time.monotonic() > joined_by:
                    raise ServiceUnavailable(
                        f"no partitions of {self.config.topic!r} assigned after "
                        f"{self.config.join_timeout_s:.0f}s (does the topic exist?)", retriable=True)
                continue
            if self._caught_up() and not self._settle():
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= self.config.idle_grace_s:
                    return
            else:
                idle_since = None

    def _caught_up(self) -> bool:
        assert self._consumer is not None
        assigned = list(self._consumer.assignment())
        ends = self._consumer.end_offsets(assigned)
        return all(self._consumer.position(tp) >= ends[tp] for tp in assigned)

    # -- one batch --------------------------------------------------------

    def _append(self, lane: int, batch: _Batch) -> None:
        """Append one batch (on its lane's thread); errors go back to the loop via ``_settle``."""
        records, decoding = batch
        try:
            prepared = decoding.result()
        except BrokenProcessPool as exc:
            raise AuditError(f"the decoder process died ({exc}); restart the writer") from exc
        incoming, rejections, ranges = _classify(records, prepared)
        conn = self._lane_conns[lane]
        if conn is None or conn.closed:
            conn = self._lane_conns[lane] = connect(self.config.database_url, role=WRITER)
        result = append_batch(conn, self.config.group, incoming, rejections, ranges)
        with self._tally:
            self.stats.appended += result.appended
            self.stats.duplicates += result.duplicates
            self.stats.rejected += result.rejected
            self.stats.batches += 1
            self._unsigned += result.appended
            if self._unsigned and (self._unsigned >= self.config.checkpoint_every
                                   or time.monotonic() - self._signed_at >= self.config.checkpoint_seconds):
                self._checkpoint(conn)
            if self._on_batch is not None:
                self._on_batch(self.stats)

    def _settle(self) -> bool:
        """Wait for the batches in flight. If one failed, resume every partition from the
        offsets the ledger holds (the failed batch and any behind it were dropped) and
        return True; an error that retrying cannot fix is raised."""
        self._pipeline.wait()
        failure = self._pipeline.failure()
        if failure is None:
            return False
        if isinstance(failure, StaleBatch):
            # we lost these partitions while busy and someone else wrote them:
            # drop the batch and resume from what the ledger holds
            log.warning("%s", failure.reason)
            try:
                self._reseek()
            except ServiceUnavailable:
                self._reconnect_and_reseek()
        elif isinstance(failure, ServiceUnavailable):
            # Postgres restarting or unreachable. Whether earlier commits survived is the
            # ledger's to say (a crash can lose an acknowledged commit when synchronous_commit
            # is off), so drop the batch and resume from the offsets it holds once it is back.
            log.warning("ledger unavailable: %s", failure.reason)
            self._reconnect_and_reseek()
        else:
            raise failure
        return True

    def _checkpoint(self, conn: psycopg.Connection | None = None) -> None:
        """Sign the chain heads now, on ``conn`` (a lane's) or else the loop's connection."""
        if self._key is None:
            return
        try:
            if conn is None:
                if self._conn is None or self._conn.closed:
                    self._conn = connect(self.config.database_url, role=WRITER)
                conn = self._conn
            make_checkpoint(conn, self._key, self.config.checkpoint_export)
        except (ServiceUnavailable, OSError) as exc:
            # the rows are committed and chained; the next checkpoint will cover them
            log.warning("checkpoint postponed: %s", exc)
            return
        self.stats.checkpoints += 1
        self._unsigned = 0
        self._signed_at = time.monotonic()

    # -- set-up -----------------------------------------------------------

    def _connect_with_retry(self, attempts: int = 30) -> psycopg.Connection:
        for attempt in range(attempts):
            try:
                return connect(self.config.database_url, role=WRITER)
            except ServiceUnavailable:
                if attempt == attempts - 1:
                    raise
                time.sleep(min(0.2 * 2**attempt, 5.0))
        raise AssertionError("unreachable")

    def _open_consumer(self) -> KafkaConsumer:
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=self.config.bootstrap_servers,
                group_id=self.config.group,
                client_id="auditlog-ledger-writer",
                enable_auto_commit=False,  # offsets live in Postgres, with the rows
                auto_offset_reset="earliest",
                max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
                session_timeout_ms=SESSION_TIMEOUT_MS,
                fetch_max_bytes=FETCH_MAX_BYTES,
                max_partition_fetch_bytes=PARTITION_FETCH_MAX_BYTES,
            )
        except KafkaError as exc:
            raise ServiceUnavailable(
                f"cannot reach the Kafka broker at {self.config.bootstrap_servers}: {exc}") from exc
        consumer.subscribe([self.config.topic], listener=_SeekToLedgerOffsets(self, consumer))
        return consumer

    def _reseek(self) -> None:
        assert self._consumer is not None
        _seek_to(self._consumer, self._consumer.assignment(), self.stored_offsets())

    def _reconnect_and_reseek(self) -> None:
        """Wait for Postgres with backoff, then resume every partition from the ledger's offsets."""
        delay = 0.2
        while not self._stop.is_set():
            try:
                if self._conn is not None:
                    self._conn.close()
                self._conn = connect(self.config.database_url, role=WRITER)
                self._reseek()
                return
            except ServiceUnavailable as exc:
                log.warning("ledger unavailable, retrying in %.1fs: %s", delay, exc.reason)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def stored_offsets(self) -> dict[int, int]:
        assert self._conn is not None
        with translated_errors():
            rows = self._conn.execute(
                query("stored_offsets"), {"group": self.config.group, "topic": self.config.topic}
            ).fetchall()
            self._conn.commit()  # end the read transaction; batches open their own
        return {int(partition): int(offset) for partition, offset in rows}


class _SeekToLedgerOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    """On every assignment, resume each partition where the ledger says, not Kafka."""

    def __init__(self, writer: LedgerWriter, consumer: KafkaConsumer) -> None:
        self.writer = writer
        self.consumer = consumer

    def on_partitions_revoked(self, revoked: Any) -> None:
        # let the batches in flight commit, so the next owner resumes after them
        self.writer._pipeline.wait()

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.writer._pipeline.wait()  # the stored offsets must include every batch we polled
        offsets = self.writer.stored_offsets()
        self.writer._new_assignment = (list(assigned), offsets)
        _seek_to(self.consumer, assigned, offsets)
        log.info("assigned %s", sorted(tp.partition for tp in assigned))


def _past_log_end(consumer: KafkaConsumer, partitions: Any, offsets: dict[int, int]) -> str | None:
    """A reason to stop when the ledger has read further than the broker's log now reaches.

    That means the topic was deleted and recreated (a memory broker restarted): its
    offsets start again at 0 while the ledger holds rows for the old ones. Reading on
    would clash with those rows forever, so the writer stops and says why."""
    ends = consumer.end_offsets(list(partitions)) if partitions else {}
    behind = sorted((tp.partition, offsets[tp.partition], end) for tp, end in ends.items()
                    if tp.partition in offsets and offsets[tp.partition] > end)
    if not behind:
        return None
    partition, stored, end = behind[0]
    topic = next(iter(partitions)).topic
    return (f"the ledger has read {topic}[{partition}] up to offset {stored} but the broker's log ends at "
            f"{end}: the topic was recreated (a memory broker restarted?). Ingest it into a new ledger "
            f"(`make reset` for the local one) or under another AUDITLOG_TOPIC")


def _seek_to(consumer: KafkaConsumer, partitions: Any, offsets: dict[int, int]) -> None:
    for tp in partitions:
        if tp.partition in offsets:
            consumer.seek(tp, offsets[tp.partition])
        else:
            consumer.seek_to_beginning(tp)  # nothing of it in the ledger yet


def _classify(
    records: Sequence[Any], prepared: Sequence[EventColumns | str],
) -> tuple[list[Incoming], list[Rejection], dict[tuple[str, int], OffsetRange]]:
    """Pair each record with its decoding: an event to append or a rejection; and the
    offsets the batch covers on each partition."""
    incoming: list[Incoming] = []
    rejections: list[Rejection] = []
    ranges: dict[tuple[str, int], OffsetRange] = {}
    for record, result in zip(records, prepared, strict=True):
        key = (record.topic, record.partition)
        span = ranges.get(key)
        ranges[key] = OffsetRange(
            first=record.offset if span is None else min(span.first, record.offset),
            next=record.offset + 1 if span is None else max(span.next, record.offset + 1),
        )
        if isinstance(result, str):
            rejections.append(Rejection(record.topic, record.partition, record.offset, record.key,
                                        record.value, result))
        else:
            incoming.append(Incoming(record.topic, record.partition, record.offset, result, record.value))
    return incoming, rejections, ranges
