"""``auditlog replay``: send ledger rows to a topic as the ledger stored them.

A replay sends each selected event's original bytes, key and headers, nothing re-encoded, plus
two provenance headers: ``replay-of`` (``topic/partition/offset`` it arrived at) and
``replay-seq`` (its ledger seq). Rows stream from the ledger in seq order (``ledger/messages.py``)
into an idempotent producer (librdkafka's: ``Sender``) with ``acks=all``; ``last_seq`` is the
highest seq below which every row has been acknowledged, so an interrupted replay (Ctrl-C,
broker gone) says it and ``--from-seq last_seq+1`` resumes with no gap (the target may see a few
messages twice, as with any at-least-once delivery).

The ingest topic is refused as a target (its writer would read the copies) except by
``restore`` (``producers/restore.py``).

Events written before the ledger kept keys (migration 004) have no stored key: they are sent
keyed by their target id, which is how ``AuditProducer`` keys every event, and the summary counts
them (``keyed_by_target``).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaException, Producer

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
    batch_size: int = 1024 * 1024

    def config(self, bootstrap: str) -> dict[str, Any]:
        """librdkafka's settings: idempotent (one partition's messages in order, none twice on a
        retry), every replica's acknowledgement, and the Java producer's partitioner."""
        timeout_ms = int(self.timeout_s * 1000)
        return {"bootstrap.servers": bootstrap, "client.id": "auditlog-replay", "acks": "all",
                "enable.idempotence": True, "linger.ms": self.linger_ms, "batch.size": self.batch_size,
                "partitioner": "murmur2_random", "message.timeout.ms": timeout_ms,
                "request.timeout.ms": min(timeout_ms, 30_000), "queue.buffering.max.messages": 200_000}


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
    # closed before the unit ends, so its fetching thread is done with the connection first
    with ledger.reading() as unit, contextlib.closing(unit.stored_events(selector)) as stored:
        first = next(stored, None)
        if first is None:  # nothing selected: no topic created, nothing sent
            return ReplaySummary(target, 0, 0, None, None, 0, False, None, False, (), time.monotonic() - started)
        rows = itertools.chain([first], stored)
        created, partitions = _target_topic(bootstrap, ingest_topic, target, default_partitions)
        sent = Sender(bootstrap, options or ProducerOptions(), stop, progress)
        try:
            sent.send_all(target, rows, rate, with_provenance=True)
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


class _Deliveries:
    """Which sent messages the broker has acknowledged, kept in the order sent, so that ``settle``
    gives the acknowledged prefix with no gap (callbacks come per partition, not in send order)."""

    def __init__(self, check_offsets: bool) -> None:
        self._check_offsets = check_offsets
        self._rows: collections.deque[tuple[int, int]] = collections.deque()  # (seq, offset) sent
        self._answered: collections.deque[bool] = collections.deque()
        self._first = 0  # the ordinal of the deque's left end
        self.failure: str | None = None  # the first refusal or loss: the run may be resumed
        self.foreign: str | None = None  # a restored message landed elsewhere: running again cannot help

    def sent(self, seq: int, offset: int) -> Callable[[Any, Any], None]:
        ordinal = self._first + len(self._rows)
        self._rows.append((seq, offset))
        self._answered.append(False)

        def delivered(err: Any, msg: Any) -> None:
            if err is not None:
                self.failure = self.failure or f"the broker refused or lost a message: {err.str()}"
            elif self._check_offsets and msg.offset() != offset:
                self.foreign = self.foreign or (
                    f"the broker put the message of offset {offset} at offset {msg.offset()} of partition "
                    f"{msg.partition()}: another producer is writing to this topic")
            else:
                self._answered[ordinal - self._first] = True
        return delivered

    def settle(self) -> list[int]:
        """The seqs acknowledged since the last call, in send order."""
        done = []
        rows, answered = self._rows, self._answered
        while answered and answered[0]:
            answered.popleft()
            done.append(rows.popleft()[0])
        self._first += len(done)
        return done

    @property
    def failed(self) -> bool:
        return self.failure is not None or self.foreign is not None

    def __len__(self) -> int:
        return len(self._rows)


class _LibrdkafkaLog:
    """librdkafka's own log lines (a broker that went away is retried, and said, many times) at
    debug: the command's one-line reason says what failed."""

    def log(self, level: int, fmt: str, *args: Any) -> None:
        log.debug("librdkafka: " + fmt, *args)


class Sender:
    """A producer that knows how far it got: ``last_seq`` is the highest seq up to which every
    message sent was acknowledged, in the order sent.

    It is confluent-kafka's (librdkafka, C): kafka-python's producer tops out at 32-41k
    messages/s on a 2-core box, spending most of a replay in ``send()``; this one takes the stored
    bytes as they are at a few µs a message. The default partitioner is the Java producer's
    (murmur2 of the key), as kafka-python's and ``AuditProducer``'s are."""

    def __init__(self, bootstrap: str, options: ProducerOptions, stop: threading.Event,
                 progress: Callable[[int], None] | None, *, resume: str | None = None) -> None:
        try:
            self._producer = Producer(options.config(bootstrap) | {"logger": _LibrdkafkaLog()})
        except KafkaException as exc:
            raise ServiceUnavailable(f"cannot make a Kafka producer for {bootstrap}: {exc}") from exc
        self._timeout_s = options.timeout_s
        self._stop = stop
        self._progress = progress
        self._resume = resume  # how to go on after an interruption (None: --from-seq after the last one)
        self._deliveries = _Deliveries(check_offsets=False)
        self.acknowledged = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.keyed_by_target = 0

    def send_all(self, topic: str, rows: Iterable[StoredMessage], rate: float | None, *, with_provenance: bool,
                 exact_partition: bool = False) -> None:
        """Each row's bytes, key and headers; a replay (``exact_partition`` False) lets the
        partitioner choose, and sends an event stored without a key keyed by its target id, as
        ``AuditProducer`` keys every event; a restore puts each at its stored partition and
        checks it lands at its stored offset."""
        started = time.monotonic()
        produce, poll = self._producer.produce, self._producer.poll
        deliveries = self._deliveries = _Deliveries(check_offsets=exact_partition)
        decode = chain.decode_headers
        for count, row in enumerate(rows, 1):
            if self._stop.is_set():
                self._flush()
                raise self._stopped("interrupted", interrupted=True)
            headers = decode(row.headers)
            if with_provenance:
                headers += provenance(row)
            delivered = deliveries.sent(row.seq, row.offset)
            key = row.key
            if key is None and not exact_partition and row.target_id is not None:
                key = row.target_id.encode()
                self.keyed_by_target += 1
            while True:
                try:
                    if exact_partition:
                        produce(topic, row.value, key, row.partition, delivered, headers=headers)
                    else:
                        produce(topic, row.value, key, on_delivery=delivered, headers=headers)
                    break
                except BufferError:  # librdkafka's queue is full: let the broker catch up
                    poll(0.05)
                    self._settle()
            if self.first_seq is None:
                self.first_seq = row.seq
            if count % 512 == 0:
                poll(0)
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

    def _flush(self) -> None:
        deadline = time.monotonic() + self._timeout_s + 5
        # in steps, so that a failure is said as soon as it is known and Ctrl-C is heard
        while len(self._producer) and time.monotonic() < deadline and not self._deliveries.failed:
            self._producer.flush(0.2)
            self._settle()
        self._settle()
        if self._deliveries:
            raise self._stopped(f"{len(self._deliveries)} messages still unacknowledged after "
                                f"{self._timeout_s:.0f}s", interrupted=False)

    def _settle(self) -> None:
        """Count the acknowledged prefix; raise on the first failed message."""
        done = self._deliveries.settle()
        if done:
            self.last_seq = done[-1]
            self.acknowledged += len(done)
            if self._progress is not None:
                self._progress(len(done))
        if self._deliveries.foreign is not None:
            raise AuditError(self._deliveries.foreign)
        if self._deliveries.failure is not None:
            raise self._stopped(self._deliveries.failure, interrupted=False)

    def _stopped(self, reason: str, *, interrupted: bool) -> ReplayStopped:
        return ReplayStopped(reason, sent=self.acknowledged, last_seq=self.last_seq, interrupted=interrupted,
                             resume=self._resume)

    def close(self) -> None:
        """Drop whatever the broker has not taken (after a failure, the messages sent after it)
        and serve their callbacks, so nothing is sent behind the reason the command gives."""
        if len(self._producer):
            self._producer.purge()
            self._producer.flush(1)
