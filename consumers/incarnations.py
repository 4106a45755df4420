"""Is the broker's partition still the one the ledger read? Where to resume it, and in which
incarnation.

A topic deleted and created again (a restarted memory broker, ``make down`` then ``make
up``, a move to a new cluster) starts its offsets again at 0, so an offset alone proves
nothing: the new log may be shorter than the ledger's position, or longer, with other
messages at the offsets the ledger holds. So the writer compares bytes: the ledger's copy
of its newest message of the partition that the broker's log still covers, against the
broker's message at that offset. Equal: the same incarnation, resume where the ledger says.
Different, or the log ends before messages the ledger holds: a new incarnation; the ledger
records the change (when, its old end, the new log's start and end) and the writer reads
the new log from its start. Events it already holds are skipped by ``event_id`` (a restored
topic, ``auditlog replay --restore``, has the same bytes at the same offsets and is simply
the same incarnation), so nothing is dropped and nothing is stored twice.

``decide`` is the rule, over facts gathered by ``IncarnationGuard``; the guard also keeps
each partition's proven message (its anchor) and asks the broker again later, because a
topic can be recreated under a running writer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from auditlog.ledger.gateway import Ledger
from auditlog.ledger.offsets import HeldRecord, IncarnationChange, StoredOffset
from auditlog.producers.broker_log import BrokerLog, PartitionLog, RawRecord

log = logging.getLogger(__name__)

_NO_END = 2**62


@dataclass(frozen=True)
class Facts:
    """What the ledger and the broker say of one partition."""

    partition: int
    stored: StoredOffset | None  # this writer group's resume point
    current: int  # the newest incarnation the ledger knows of the partition
    log: PartitionLog  # the broker's log now
    held: HeldRecord | None  # the ledger's newest message of ``current`` below the log's end
    ledger_end: int  # one past the newest offset the ledger holds (or has read) of ``current`` (0: none)
    broker_copy: RawRecord | None  # the broker's message at ``held.offset``


@dataclass(frozen=True)
class ResumePoint:
    partition: int
    incarnation: int
    offset: int
    change: IncarnationChange | None = None  # a new incarnation to record
    anchor: HeldRecord | None = None  # a message proven equal on both sides
    lost: tuple[int, int] | None = None  # offsets [a, b) the broker dropped before they were read


def decide(topic: str, group: str, facts: Facts, *, known_changed: bool = False) -> ResumePoint:
    """The rule (see the module's text). ``known_changed``: an anchor already differed."""
    f = facts
    held, copy = f.held, f.broker_copy
    shorter = f.ledger_end > f.log.end  # the ledger holds messages past the broker's log end
    if known_changed:
        reason = "the broker's message at an offset the writer had proved no longer matches the ledger's"
    elif shorter:  # whatever matches below, the broker will give those offsets to other messages
        reason = f"the broker's log ends at {f.log.end}, before the ledger's {f.ledger_end}"
    elif held is not None and held.offset >= f.log.start:
        if _same(held, copy):
            return _same_incarnation(f, anchor=held)
        reason = (f"the broker's message at offset {held.offset} is not the one the ledger holds there"
                  if copy is not None else f"the broker's log has no message at offset {held.offset}")
    else:
        # nothing the broker still holds can be compared: nothing contradicts the ledger
        return _same_incarnation(f, anchor=None)
    new = f.current + 1
    change = IncarnationChange(topic, f.partition, new, group, f.ledger_end, f.log.start, f.log.end, reason)
    return ResumePoint(f.partition, new, f.log.start, change=change)


def _same_incarnation(f: Facts, anchor: HeldRecord | None) -> ResumePoint:
    resume = f.stored.next_offset if f.stored is not None and f.stored.incarnation == f.current else f.log.start
    lost = None
    if resume < f.log.start:  # retention deleted messages this group never read
        lost, resume = (resume, f.log.start), f.log.start
    return ResumePoint(f.partition, f.current, resume, anchor=anchor, lost=lost)


def _same(held: HeldRecord, copy: RawRecord | None) -> bool:
    if copy is None or copy.value != held.raw_value:
        return False
    return held.raw_key is None or held.raw_key == copy.key  # rows before migration 004 kept no key


class IncarnationGuard:
    """Gathers the facts for ``decide``, records the changes it finds, and keeps anchors."""

    def __init__(self, ledger: Ledger, broker: BrokerLog, topic: str, group: str) -> None:
        self.ledger = ledger
        self.broker = broker
        self.topic = topic
        self.group = group
        self.anchors: dict[int, HeldRecord] = {}

    def resume_points(self, partitions: Iterable[int], *, changed: Iterable[int] = ()) -> dict[int, ResumePoint]:
        """Where to resume each partition (recording any new incarnation); ``changed``:
        partitions already known to be a new incarnation."""
        wanted = sorted(set(partitions))
        known_changed = set(changed)
        points: dict[int, ResumePoint] = {}
        while wanted:
            logs = self.broker.ends(self.topic, wanted)
            retry = []
            for partition in wanted:
                point = decide(self.topic, self.group, self._facts(partition, logs[partition]),
                               known_changed=partition in known_changed)
                if point.change is not None:
                    with self.ledger.writing() as unit:
                        recorded = unit.record_incarnation(point.change)
                    if not recorded:  # another writer recorded it first: decide again against it
                        known_changed.discard(partition)
                        retry.append(partition)
                        continue
                    log.warning("%s[%d]: a new topic incarnation %d (%s); reading it from offset %d",
                                self.topic, partition, point.incarnation, point.change.reason, point.offset)
                if point.lost is not None:
                    log.error("%s[%d]: offsets %d..%d were deleted by the broker before the ledger read them",
                              self.topic, partition, point.lost[0], point.lost[1] - 1)
                if point.anchor is not None:
                    self.anchors[partition] = point.anchor
                else:
                    self.anchors.pop(partition, None)
                points[partition] = point
            wanted = retry
        return points

    def changed_anchors(self, partitions: Iterable[int]) -> list[int]:
        """The partitions whose proven message the broker no longer has as it was."""
        return [p for p in partitions if p in self.anchors
                and not _same(self.anchors[p], self.broker.record_at(self.topic, p, self.anchors[p].offset))]

    def _facts(self, partition: int, log_now: PartitionLog) -> Facts:
        with self.ledger.reading() as unit:
            stored = unit.stored_offsets(self.group, self.topic).get(partition)
            current = max(unit.latest_incarnations(self.topic).get(partition, 0),
                          stored.incarnation if stored else 0)
            held = unit.held_record(self.topic, partition, current, log_now.end)
            newest = unit.held_record(self.topic, partition, current, _NO_END)
        copy = None
        if held is not None and held.offset >= log_now.start:
            copy = self.broker.record_at(self.topic, partition, held.offset)
        ledger_end = newest.offset + 1 if newest else 0
        if stored is not None and stored.incarnation == current:
            ledger_end = max(ledger_end, stored.next_offset)  # where this group has read to counts too
        return Facts(partition, stored, current, log_now, held, ledger_end, copy)
