"""How far behind everything is, told truthfully: the writer against the broker's log, and each
feed consumer against the ledger's feed.

Per partition of the ingest topic: the log end (the high watermark of a Fetch response, never
ListOffsets: ``producers/broker_log.py``), the ledger's next offset (``consumer_offsets`` of
the writer group, in the incarnation the broker has now: one the writers have not read yet starts
at the log's start), the messages between, and how long the oldest of them has waited (the
broker's timestamp of the message at the ledger's next offset). Per feed consumer: its position
against the feed's head, in rows and in seconds (how long the oldest unread row has waited), and
the committed rows a long transaction holds above the horizon, where no reader can go yet.
``auditlog lag`` prints it, the metrics probe exports it, ``/readyz`` holds it to bounds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from auditlog.ledger.feed import Position
from auditlog.ledger.gateway import Ledger
from auditlog.producers.broker_log import BrokerLog


@dataclass(frozen=True)
class PartitionLag:
    partition: int
    incarnation: int
    log_start: int
    log_end: int  # the high watermark
    next_offset: int  # the ledger's: where the writers resume
    behind: int  # messages in the log the ledger does not hold yet
    oldest_unread_at: datetime | None  # the broker's timestamp of the first of them
    oldest_unread_seconds: float | None


@dataclass(frozen=True)
class ConsumerLag:
    consumer: str
    position: Position
    position_recorded_at: datetime | None  # of the row it read last
    rows_behind: int  # readable feed rows after its position (capped: see ledger/positions.py)
    oldest_unread_at: datetime | None
    seconds_behind: float  # how long the oldest unread row has waited (0: caught up)


@dataclass(frozen=True)
class FeedHead:
    position: Position | None
    recorded_at: datetime | None
    horizon: int
    held_rows: int  # committed rows above the horizon: a long transaction holds every reader back


@dataclass(frozen=True)
class Lag:
    topic: str
    group: str
    at: datetime
    partitions: tuple[PartitionLag, ...]
    head: FeedHead
    consumers: tuple[ConsumerLag, ...]

    @property
    def messages_behind(self) -> int:
        return sum(p.behind for p in self.partitions)

    @property
    def oldest_unread_seconds(self) -> float:
        ages = [p.oldest_unread_seconds for p in self.partitions if p.oldest_unread_seconds is not None]
        return max(ages, default=0.0)

    @property
    def feed_rows_behind(self) -> int:
        return max((c.rows_behind for c in self.consumers), default=0)

    @property
    def feed_seconds_behind(self) -> float:
        return max((c.seconds_behind for c in self.consumers), default=0.0)


def partition_lag(ledger: Ledger, broker: BrokerLog, topic: str, group: str) -> tuple[PartitionLag, ...]:
    logs = broker.ends(topic)
    with ledger.reading() as unit:
        stored = unit.stored_offsets(group, topic)
        latest = unit.latest_incarnations(topic)
    now = time.time()
    found = []
    for partition, log in sorted(logs.items()):
        mine = stored.get(partition)
        current = max(latest.get(partition, 0), mine.incarnation if mine else 0)
        unread = mine is None or mine.incarnation < current  # this incarnation: not read at all yet
        next_offset = log.start if unread or mine is None else max(mine.next_offset, log.start)
        behind = max(0, log.end - next_offset)
        oldest_at: datetime | None = None
        if behind:
            record = broker.record_at(topic, partition, next_offset)
            if record is not None and record.timestamp is not None and record.timestamp >= 0:
                oldest_at = datetime.fromtimestamp(record.timestamp / 1000, UTC)
        age = None if oldest_at is None else max(0.0, now - oldest_at.timestamp())
        found.append(PartitionLag(partition, current, log.start, log.end, next_offset, behind, oldest_at, age))
    return tuple(found)


def feed_lag(ledger: Ledger) -> tuple[FeedHead, tuple[ConsumerLag, ...]]:
    with ledger.reading() as unit:
        head = unit.feed_head()
        held = unit.feed_held()
        stored = unit.feed_positions()
        behind = [unit.feed_behind(p.position) for p in stored]
    now = time.time()
    consumers = tuple(
        ConsumerLag(p.consumer, p.position, p.recorded_at, b.rows, b.oldest,
                    0.0 if b.oldest is None else max(0.0, now - b.oldest.timestamp()))
        for p, b in zip(stored, behind, strict=True))
    return FeedHead(head.position, head.recorded_at, head.horizon, held), consumers


def measure(ledger: Ledger, broker: BrokerLog, topic: str, group: str) -> Lag:
    partitions = partition_lag(ledger, broker, topic, group)
    head, consumers = feed_lag(ledger)
    return Lag(topic, group, datetime.now(UTC), partitions, head, consumers)
