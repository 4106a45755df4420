"""The writer's append lanes: decoded batches in, ledger transactions out.

Partition p is appended by lane ``p % lanes``, each lane a thread with its own ledger
connection (``append_pipeline.py``): while one lane's commit waits for its WAL flush, the
other's COPY runs (appends alone: 41k events/s with one lane, 56k with two, on the 2-core
dev box). A batch is the records one poll brought for a lane and their decoding under way
in a decoder process; the lane pairs each record with its decoding (an event to append or
the reason it is rejected) and appends both with the offsets they cover in one unit of work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from auditlog.consumers.append_pipeline import AppendPipeline
from auditlog.consumers.runner import NO_METRICS, Metrics
from auditlog.domain.errors import AuditError
from auditlog.ledger import chain
from auditlog.ledger.append import AppendResult, EventColumns, Incoming, OffsetRange, Rejection
from auditlog.ledger.gateway import Ledger

LANES = 2


@dataclass(frozen=True)
class Batch:
    records: list[Any]  # kafka-python ConsumerRecords of one lane, one topic
    decoding: Future[list[EventColumns | str]]
    incarnations: Mapping[int, int]  # partition -> the topic incarnation it was read from


@dataclass
class Tally:
    appended: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    checkpoints: int = 0  # signed by the writer (set when it stops)
    started: float = field(default_factory=time.monotonic)

    def add(self, result: AppendResult) -> None:
        self.appended += result.appended
        self.duplicates += result.duplicates
        self.rejected += result.rejected
        self.batches += 1


class AppendLanes:
    def __init__(self, database_url: str, group: str, *, on_appended: Callable[[AppendResult], None],
                 metrics: Metrics = NO_METRICS, lanes: int = LANES, depth: int = 2) -> None:
        self._group = group
        self._on_appended = on_appended
        self._metrics = metrics
        self._ledgers = [Ledger(database_url) for _ in range(lanes)]
        self._pipeline: AppendPipeline[Batch] = AppendPipeline(self._append, lanes=lanes, depth=depth)

    def lane_of(self, partition: int) -> int:
        return partition % self._pipeline.lanes

    def submit(self, lane: int, batch: Batch) -> None:
        self._pipeline.submit(batch, lane)

    def wait(self) -> None:
        """Wait for every batch in flight; a failure stays for ``settle`` to hand over."""
        self._pipeline.wait()

    def settle(self) -> BaseException | None:
        """Wait for every batch in flight; the failure that stopped appends, if any (the
        batches behind it were dropped: the writer re-reads them from the ledger's offsets)."""
        self._pipeline.wait()
        return self._pipeline.failure()

    @property
    def failed(self) -> bool:
        return self._pipeline.failed

    def close(self) -> None:
        self._pipeline.close()
        for ledger in self._ledgers:
            ledger.close()

    def _append(self, lane: int, batch: Batch) -> None:
        try:
            prepared = batch.decoding.result()
        except BrokenProcessPool as exc:
            raise AuditError(f"the decoder process died ({exc}); restart the writer") from exc
        incoming, rejections, ranges = classify(batch.records, prepared, batch.incarnations)
        started = time.perf_counter()
        with self._ledgers[lane].writing() as unit:
            result = unit.append_batch(self._group, incoming, rejections, ranges)
        self._metrics.observe("batch_seconds", time.perf_counter() - started)
        self._metrics.count("events_appended_total", result.appended)
        for rejection in rejections:
            self._metrics.count("rejected_total", reason=_reason_kind(rejection.reason))
        self._on_appended(result)


def classify(
    records: Sequence[Any], prepared: Sequence[EventColumns | str], incarnations: Mapping[int, int],
) -> tuple[list[Incoming], list[Rejection], dict[tuple[str, int], OffsetRange]]:
    """Pair each record with its decoding: an event to append or a rejection; and the offsets
    the batch covers on each partition."""
    incoming: list[Incoming] = []
    rejections: list[Rejection] = []
    spans: dict[tuple[str, int], list[int]] = {}  # (topic, partition) -> [lowest, highest] offset
    encode_headers = chain.encode_headers
    for record, result in zip(records, prepared, strict=True):  # this loop runs for every message
        key = (record.topic, record.partition)
        offset = record.offset
        span = spans.get(key)
        if span is None:
            spans[key] = [offset, offset]
        elif offset > span[1]:
            span[1] = offset
        elif offset < span[0]:
            span[0] = offset
        incarnation = incarnations.get(record.partition, 0)
        headers = encode_headers(record.headers)
        if isinstance(result, str):
            rejections.append(Rejection(record.topic, record.partition, offset, record.key, record.value,
                                        result, headers, incarnation))
        else:
            incoming.append(Incoming(record.topic, record.partition, offset, result, record.value,
                                     record.key, headers, incarnation))
    ranges = {key: OffsetRange(low, high + 1, incarnations.get(key[1], 0)) for key, (low, high) in spans.items()}
    return incoming, rejections, ranges


def _reason_kind(reason: str) -> str:
    """A rejection's reason without its particulars (ids, sizes, fingerprints): a metric
    label must stay a small set. "unknown writer schema fingerprint 3f..." -> "unknown writer
    schema fingerprint"."""
    head = reason.split(":", 1)[0].split(" (", 1)[0]
    return " ".join(word for word in head.split() if not any(c.isdigit() for c in word))[:60] or "other"
