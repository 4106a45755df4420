"""``auditlog replay --restore``: re-seed a fresh, empty ingest topic from the ledger, so that
every partition's offsets come back identical: the cure for a restarted memory broker or a lost
dev cluster.

For each partition, the latest incarnation the ledger holds (``topic_incarnations``,
``consumers/incarnations.py``) is produced again in offset order, events and rejected messages
interleaved as they arrived, bytes, key and headers as stored, nothing added. A Kafka producer
cannot choose offsets, so this works only when each partition's log starts empty and the ledger
holds every offset from 0 to its last with no gap; otherwise it refuses and says which offsets
are missing (lost to retention, or redelivered copies the writer skipped). The producer is
idempotent (one partition's messages stay in order) and every acknowledged offset is checked
against the one the ledger holds.

Afterwards the writer meets the same bytes at the same offsets (the same incarnation: its byte
comparison passes), appends nothing, and ``auditlog lag`` says 0. An interrupted restore is run
again: a partition whose log holds a prefix of the ledger's (its last message equal, byte for
byte) is continued after it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from auditlog.domain.errors import BadInput
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.messages import Extent, StoredMessage
from auditlog.producers.broker_log import ONE_SHOT_MS, BrokerLog
from auditlog.producers.replay import ProducerOptions, Sender
from auditlog.producers.topics import ensure_topic


@dataclass(frozen=True)
class PartitionRestore:
    partition: int
    incarnation: int
    messages: int  # offsets 0 .. messages-1
    resume_at: int  # the first offset to produce (0, or after an interrupted restore's prefix)


@dataclass(frozen=True)
class Restored:
    topic: str
    partitions: tuple[PartitionRestore, ...]
    sent: int
    created_topic: bool
    dry_run: bool
    seconds: float

    @property
    def messages(self) -> int:
        return sum(p.messages for p in self.partitions)


def plan(ledger: Ledger, topic: str, group: str) -> list[Extent]:
    """Per partition, the extent of the latest incarnation the ledger holds; refused when one
    cannot come back at identical offsets."""
    with ledger.reading() as unit:
        latest = unit.latest_incarnations(topic)
        extents = unit.extents(topic)
        stored = unit.stored_offsets(group, topic)
    chosen: list[Extent] = []
    for partition in sorted({e.partition for e in extents}):
        held = {e.incarnation: e for e in extents if e.partition == partition}
        incarnation = max(latest.get(partition, 0), *held)
        extent = held.get(incarnation)
        if extent is None:
            continue  # the newest incarnation is one the writers have read nothing of
        if not extent.contiguous_from_zero:
            with ledger.reading() as unit:
                missing = unit.offset_gaps(topic, extent)
            raise BadInput(f"partition {partition} (incarnation {incarnation}): the ledger does not hold offsets "
                           f"{', '.join(map(str, missing))}{' ...' if len(missing) == 5 else ''} (lost to retention, "
                           "or redelivered copies it skipped), so its offsets cannot come back identical")
        mine = stored.get(partition)
        if mine is not None and mine.incarnation == incarnation and mine.next_offset > extent.last + 1:
            raise BadInput(f"partition {partition}: the writers read up to offset {mine.next_offset - 1} but the "
                           f"ledger holds up to {extent.last} (redelivered copies it skipped), so its offsets "
                           "cannot come back identical")
        chosen.append(extent)
    return chosen


def restore(ledger: Ledger, bootstrap: str, topic: str, group: str, *, default_partitions: int = 6,
            dry_run: bool = False, options: ProducerOptions | None = None,
            progress: Callable[[int], None] | None = None, stop: threading.Event | None = None) -> Restored:
    started = time.monotonic()
    extents = plan(ledger, topic, group)
    if not extents:
        return Restored(topic, (), 0, False, dry_run, time.monotonic() - started)
    needed = max(e.partition for e in extents) + 1
    with BrokerLog(bootstrap, client_id="auditlog-restore", bootstrap_timeout_ms=ONE_SHOT_MS) as broker:
        existing = broker.partitions(topic)
        created = False
        if not existing:
            if dry_run:
                parts = tuple(PartitionRestore(e.partition, e.incarnation, e.offsets, 0) for e in extents)
                return Restored(topic, parts, 0, False, True, time.monotonic() - started)
            created = ensure_topic(bootstrap, topic, max(needed, default_partitions))
            existing = broker.partitions(topic)
        if len(existing) < needed:
            raise BadInput(f"topic {topic} has {len(existing)} partitions; the ledger holds messages of "
                           f"partition {needed - 1}: create it with at least {needed}")
        logs = broker.ends(topic)
        parts = []
        for e in extents:
            log = logs[e.partition]
            if log.start != 0 or log.end > e.offsets or not _own_prefix(ledger, broker, topic, e, log.end):
                raise BadInput(f"topic {topic} is not a fresh, empty topic: partition {e.partition} holds offsets "
                               f"{log.start}..{log.end - 1} that are not the ledger's; --restore only re-seeds "
                               "an empty one (or continues its own interrupted work)")
            parts.append(PartitionRestore(e.partition, e.incarnation, e.offsets, log.end))
        if dry_run:
            return Restored(topic, tuple(parts), 0, created, True, time.monotonic() - started)
        sender = Sender(bootstrap, options or ProducerOptions(), stop or threading.Event(), progress,
                        resume="run `auditlog replay --restore` again: it continues after what the topic holds")
        try:
            for part in parts:
                if part.resume_at >= part.messages:
                    continue
                # closed before the unit ends, so its fetching thread is done with the connection first
                with ledger.reading() as unit, contextlib.closing(
                        unit.partition_messages(topic, part.partition, part.incarnation)) as rows:
                    sender.send_all(topic, _after_prefix(rows, part), None, with_provenance=False,
                                    exact_partition=True)
        finally:
            sender.close()
    return Restored(topic, tuple(parts), sender.acknowledged, created, False, time.monotonic() - started)


def _own_prefix(ledger: Ledger, broker: BrokerLog, topic: str, extent: Extent, end: int) -> bool:
    """Whether a partition's log of ``end`` messages is an interrupted restore's prefix: its last
    message is the ledger's, byte for byte (the producer wrote them in order)."""
    if end == 0:
        return True
    with ledger.reading() as unit:
        held = unit.held_record(topic, extent.partition, extent.incarnation, end)
    there = broker.record_at(topic, extent.partition, end - 1)
    return (held is not None and there is not None and held.offset == end - 1
            and (there.value or b"") == (held.raw_value or b""))


def _after_prefix(rows: Iterator[StoredMessage], part: PartitionRestore) -> Iterator[StoredMessage]:
    return (row for row in rows if row.offset >= part.resume_at)
