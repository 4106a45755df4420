"""``auditlog replay``: send ledger rows to a topic as the ledger stored them.

A replay sends each selected event's original bytes, key and headers, nothing re-encoded, plus
two provenance headers: ``replay-of`` (``topic/partition/offset`` it arrived at) and
``replay-seq`` (its ledger seq). Rows stream from the ledger in seq order (``ledger/messages.py``)
into an idempotent producer with ``acks=all``; ``last_seq`` is the highest seq below which every
row has been acknowledged, so an interrupted replay (Ctrl-C, broker gone) says it and
``--from-seq last_seq+1`` resumes with no gap (the target may see a few messages twice, as with
any at-least-once delivery).

The ingest topic is refused as a target (its writer would read the copies) except by
``restore`` (``producers/restore.py``).

Events written before the ledger kept keys (migration 004) have no stored key: they are sent
keyed by their target id, which is how ``AuditProducer`` keys every event, and the summary counts
them (``keyed_by_target``).
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from auditlog.domain.errors import AuditError, BadInput, ServiceUnavailable
from auditlog.ledger import chain
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.messages import Selector, StoredMessage
from auditlog.producers.broker_log import ONE_SHOT_MS, BrokerLog
from auditlog.producers.topics import ensure_topic

log = logging.getLogger(__name__)

SAMPLE = 10  # rows a dry run shows


@dataclass(frozen=True)
class ReplaySummary:
    topic: str
    selected: int  # rows the selectors matched (a dry run) or sent
    sent: int
    first_seq: int | None
    last_seq: int | None
    keyed_by_target: int  # events without a stored key, sent keyed by their target id
    created_topic: bool
    partitions: int | None
    dry_run: bool
    sample: tuple[StoredMessage, ...]
    seconds: float

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


class ReplayStopped(AuditError):
    """A replay that did not finish: stopped (Ctrl-C) or the broker failed. ``last_seq`` is the
    highest seq up to which every selected row was acknowledged (None: none was)."""

    def __init__(self, reason: str, *, sent: int, last_seq: int | None, interrupted: bool,
                 resume: str | None = None) -> None:
        if resume is None:
            resume = (f"resume with --from-seq {last_seq + 1}" if last_seq is not None
                      else "nothing was acknowledged; run it again as it was")
        where = f"last seq sent {last_seq}" if last_seq is not None else "no seq sent"
        super().__init__(f"replay stopped: {reason}; {where} ({sent} events acknowledged); {resume}",
                         retriable=False)
        self.sent = sent
        self.last_seq = last_seq
        self.interrupted = interrupted


@dataclass(frozen=True)
class ProducerOptions:
    timeout_s: float = 30.0  # how long a message may wait for the broker before the replay gives up
    linger_ms: int = 5
    batch_size: int = 512 * 1024

    def config(self, bootstrap: str) -> dict[str, Any]:
        timeout_ms = int(self.timeout_s * 1000)
        return {"bootstrap_servers": bootstrap, "client_id": "auditlog-replay", "acks": "all",
                "enable_idempotence": True, "linger_ms": self.linger_ms, "batch_size": self.batch_size,
                "request_timeout_ms": min(timeout_ms, 30_000), "delivery_timeout_ms": timeout_ms + self.linger_ms,
                "max_block_ms": timeout_ms}


def provenance(row: StoredMessage) -> list[tuple[str, bytes]]:
    return [("replay-of", f"{row.topic}/{row.partition}/{row.offset}".encode()), ("replay-seq", str(row.seq).encode())]


def replay(ledger: Ledger, bootstrap: str, ingest_topic: str, target: str, selector: Selector, *,
           rate: float | None = None, dry_run: bool = False, default_partitions: int = 6,
           options: ProducerOptions | None = None, progress: Callable[[int], None] | None = None,
           stop: threading.Event | None = None) -> ReplaySummary:
    if target == ingest_topic:
        raise BadInput(f"{target!r} is the ingest topic: its writer would read the copies; replay to another "
                       "topic, or re-seed an empty ingest topic with --restore")
    if rate is not None and rate <= 0:
        raise BadInput("rate must be above 0 events per second")
    started = time.monotonic()
    if dry_run:
        return _count(ledger, target, selector, started)
    stop = stop or threading.Event()
    with ledger.reading() as unit:
        rows = unit.stored_events(selector)
        first = next(rows, None)
        if first is None:  # nothing selected: no topic created, nothing sent
            return ReplaySummary(target, 0, 0, None, None, 0, False, None, False, (), time.monotonic() - started)
        rows = itertools.chain([first], rows)
        created, partitions = _target_topic(bootstrap, ingest_topic, target, default_partitions)
        sent = Sender(bootstrap, options or ProducerOptions(), stop, progress)
        try:
            sent.send_all(target, _keyed(rows, sent), rate, with_provenance=True)
        finally:
            sent.close()
    return ReplaySummary(target, sent.acknowledged, sent.acknowledged, sent.first_seq, sent.last_seq,
                         sent.keyed_by_target, created, partitions, False, (), time.monotonic() - started)


def _count(ledger: Ledger, target: str, selector: Selector, started: float) -> ReplaySummary:
    count, sample, first, last = 0, [], None, None
    with ledger.reading() as unit:
        for row in unit.stored_events(selector):
            count += 1
            first = row.seq if first is None else first
            last = row.seq
            if len(sample) < SAMPLE:
                sample.append(row)
    return ReplaySummary(target, count, 0, first, last, 0, False, None, True, tuple(sample),
                         time.monotonic() - started)


def _target_topic(bootstrap: str, ingest_topic: str, target: str, default_partitions: int) -> tuple[bool, int]:
    """The target's partition count, creating it with the ingest topic's when it is missing."""
    with BrokerLog(bootstrap, client_id="auditlog-replay-admin", bootstrap_timeout_ms=ONE_SHOT_MS) as broker:
        existing = broker.partitions(target)
        if existing:
            return False, len(existing)
        count = len(broker.partitions(ingest_topic)) or default_partitions
    created = ensure_topic(bootstrap, target, count)
    return created, count


def _keyed(rows: Iterable[StoredMessage], sender: Sender) -> Iterator[StoredMessage]:
    for row in rows:
        if row.key is None and row.target_id is not None:
            sender.keyed_by_target += 1
            row = StoredMessage(row.seq, row.topic, row.partition, row.incarnation, row.offset,
                                row.target_id.encode(), row.headers, row.value, row.target_id, row.kind)
        yield row


class _Partitions(dict[bytes, int]):
    """The partition of each key, as the producer's default partitioner chooses it (murmur2 of
    the key over the sorted partitions), remembered: keys repeat (an account's events share
    theirs) and the pure-Python hash was an eighth of a replay's time."""

    def __init__(self, partitions: list[int]) -> None:
        super().__init__()
        self._partitions = partitions

    def choose(self, key: bytes) -> int:
        return self._partitions[(murmur2(key) & 0x7FFFFFFF) % len(self._partitions)]


class Sender:
    """A producer that knows how far it got: ``last_seq`` is the highest seq up to which every
    message sent was acknowledged, in the order sent."""

    def __init__(self, bootstrap: str, options: ProducerOptions, stop: threading.Event,
                 progress: Callable[[int], None] | None, *, resume: str | None = None) -> None:
        try:
            self._producer = KafkaProducer(**options.config(bootstrap))
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc
        self._timeout_s = options.timeout_s
        self._stop = stop
        self._progress = progress
        self._resume = resume  # how to go on after an interruption (None: --from-seq after the last one)
        self._pending: collections.deque[tuple[int, int | None, Any]] = collections.deque()
        self.acknowledged = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.keyed_by_target = 0

    def send_all(self, topic: str, rows: Iterable[StoredMessage], rate: float | None, *, with_provenance: bool,
                 exact_partition: bool = False) -> None:
        started = time.monotonic()
        count = 0
        send = self._producer.send
        pending = self._pending
        decode = chain.decode_headers
        try:
            partition_of = self._partitioner(topic) if not exact_partition else None
            for row in rows:
                if self._stop.is_set():
                    self._flush()
                    raise self._stopped("interrupted", interrupted=True)
                headers = decode(row.headers)
                if with_provenance:
                    headers += provenance(row)
                if partition_of is None:
                    partition = row.partition
                elif row.key is None:
                    partition = None  # the producer picks one, as it would
                else:
                    partition = partition_of.get(row.key)
                    if partition is None:
                        partition = partition_of[row.key] = partition_of.choose(row.key)
                future = send(topic, value=row.value, key=row.key, headers=headers, partition=partition)
                pending.append((row.seq, row.offset if exact_partition else None, future))
                if self.first_seq is None:
                    self.first_seq = row.seq
                count += 1
                if count % 512 == 0:
                    self._settle()
                    if rate is not None:
                        ahead = count / rate - (time.monotonic() - started)
                        if ahead > 0:
                            self._stop.wait(ahead)
                elif rate is not None and rate < 512:
                    ahead = count / rate - (time.monotonic() - started)
                    if ahead > 0:
                        self._stop.wait(ahead)
            self._flush()
        except KafkaError as exc:
            raise self._stopped(f"the broker failed: {exc}", interrupted=False) from exc

    def _partitioner(self, topic: str) -> _Partitions:
        return _Partitions(sorted(self._producer.partitions_for(topic)))

    def _flush(self) -> None:
        try:
            self._producer.flush(timeout=self._timeout_s + 5)
        except KafkaError as exc:
            self._settle()
            raise self._stopped(f"the broker did not take every message: {exc}", interrupted=False) from exc
        self._settle()
        if self._pending:
            raise self._stopped(f"{len(self._pending)} messages still unacknowledged after "
                                f"{self._timeout_s:.0f}s", interrupted=False)

    def _settle(self) -> None:
        """Count the acknowledged prefix; raise on the first failed message."""
        pending = self._pending
        done = 0
        while pending and pending[0][2].is_done:
            seq, offset, future = pending[0]
            if future.failed():
                raise self._stopped(f"the broker refused or lost a message: {future.exception}", interrupted=False)
            if offset is not None and future.value.offset != offset:
                raise AuditError(f"the broker put the message of offset {offset} at offset {future.value.offset} "
                                 f"of partition {future.value.partition}: another producer is writing to this topic")
            pending.popleft()
            self.last_seq = seq
            done += 1
        self.acknowledged += done
        if done and self._progress is not None:
            self._progress(done)

    def _stopped(self, reason: str, *, interrupted: bool) -> ReplayStopped:
        return ReplayStopped(reason, sent=self.acknowledged, last_seq=self.last_seq, interrupted=interrupted,
                             resume=self._resume)

    def close(self) -> None:
        """Close the producer. kafka-python's ``close`` flushes first and raises when a message is
        still waiting, so after a failure wait for the ones sent after it to fail too (their
        delivery timeouts run out within ``timeout_s``); a close that still fails is logged, never
        raised over the error that says how far the replay got."""
        try:
            self._producer.close(timeout=self._timeout_s + 5 if self._pending else 5)
        except KafkaError as exc:
            # debug, not warning: the command's one-line reason already says what failed
            log.debug("the replay's producer did not close cleanly: %s", exc)
            # kafka-python 3.0.12 raises from close() before it has closed anything, and its
            # __del__ then closes again and prints a traceback at exit: finish the close here
            sender = getattr(self._producer, "_sender", None)
            if sender is not None:
                sender.force_close()
            self._producer._closed = True  # type: ignore[attr-defined]
