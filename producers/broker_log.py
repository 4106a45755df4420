"""What a topic's partitions hold, as the broker's Fetch responses say: where each log ends
(its high watermark), where it starts, and the message at an offset.

Why not ListOffsets "latest": Tansu 0.6.0 (the local broker) answers it with the base offset
of the partition's last record batch, not the log end (7,189 where the log ends at 7,200).
A Fetch response's high watermark is right on Tansu and on Apache Kafka, so every log end
auditlog relies on comes from a fetch: one small Fetch request per leader, at each
partition's log start (ListOffsets "earliest", then proved by the fetch itself: a start
that moved gives an out-of-range error and is asked again).

kafka-python has no public call for one raw Fetch, so this module sends ``FetchRequest``
through the admin client's network manager (``_manager``), the one place auditlog leans on
kafka-python internals (pinned at 3.0.12; tests/integration/test_broker_log.py runs it
against the real broker). Two broker habits it allows for: Tansu answers a fetch with
``min_bytes=0`` with no partitions at all (so ``min_bytes=1`` and a short wait), and answers
a fetch past the log end with an empty success where Apache Kafka answers OFFSET_OUT_OF_RANGE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import KafkaError, OffsetOutOfRangeError, UnknownTopicOrPartitionError
from kafka.protocol.consumer import FetchRequest
from kafka.record import MemoryRecords

from auditlog.domain.errors import AuditError, ServiceUnavailable

_FETCH_WAIT_MS = 100  # only an empty partition waits: one with data answers at once
_RECORD_FETCH_BYTES = 1024 * 1024  # one batch around an offset (a batch may start before it)
_ATTEMPTS = 3


@dataclass(frozen=True)
class PartitionLog:
    """One partition's log: offsets ``start`` (the oldest kept) up to ``end`` (exclusive:
    the high watermark, the offset the next message will get)."""

    partition: int
    start: int
    end: int


@dataclass(frozen=True)
class RawRecord:
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]
    timestamp: int | None = None  # the broker's record timestamp, ms since the epoch (lag's age)


ONE_SHOT_MS = 5000  # how long a one-shot command (lag, replay) waits for a first broker before it gives up


class BrokerLog:
    def __init__(self, bootstrap: str, *, client_id: str = "auditlog-log-probe",
                 bootstrap_timeout_ms: int = 30_000) -> None:
        """``bootstrap_timeout_ms``: how long to wait for a first broker (one-shot commands wait less)."""
        try:
            self._admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id,
                                           bootstrap_timeout_ms=bootstrap_timeout_ms)
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc
        self.bootstrap = bootstrap

    def cluster_id(self) -> str | None:
        try:
            return str(self._admin.describe_cluster().get("cluster_id") or "") or None
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot describe the Kafka cluster: {exc}") from exc

    def partitions(self, topic: str) -> list[int]:
        """The topic's partition numbers (none: the topic does not exist)."""
        try:
            described = self._admin.describe_topics([topic])
        except UnknownTopicOrPartitionError:
            return []
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot describe topic {topic}: {exc}") from exc
        for entry in described:
            if entry.get("error_code", 0) == 0 and entry.get("topic", entry.get("name")) == topic:
                return sorted(int(p["partition_index"]) for p in entry.get("partitions", ()))
        return []

    def ends(self, topic: str, partitions: Iterable[int] | None = None) -> dict[int, PartitionLog]:
        """Every (or each named) partition's log start and end, the end from a fetch."""
        wanted = list(partitions) if partitions is not None else self.partitions(topic)
        if not wanted:
            return {}
        starts = self._starts(topic, wanted)
        for _ in range(_ATTEMPTS):
            answers = self._fetch(topic, starts, max_bytes=1)
            moved = [p for p, (error, _, _) in answers.items() if error is OffsetOutOfRangeError]
            if not moved:
                return {p: PartitionLog(p, max(starts[p], log_start), hw)
                        for p, (_, hw, log_start) in answers.items()}
            starts.update(self._starts(topic, moved))  # retention moved the start meanwhile
        raise ServiceUnavailable(f"the log start of {topic} kept moving while its end was asked")

    def record_at(self, topic: str, partition: int, offset: int) -> RawRecord | None:
        """The message at ``offset``, or None when the log does not hold it (before its start,
        at or past its end)."""
        if offset < 0:
            return None
        error, _, _, records = self._fetch(topic, {partition: offset}, max_bytes=_RECORD_FETCH_BYTES,
                                           with_records=True)[partition]
        if error is OffsetOutOfRangeError:
            return None
        return next((r for r in records if r.offset == offset), None)

    def close(self) -> None:
        self._admin.close()

    def __enter__(self) -> BrokerLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the requests ---------------------------------------------------------------

    def _starts(self, topic: str, partitions: list[int]) -> dict[int, int]:
        specs = {TopicPartition(topic, p): OffsetSpec.EARLIEST for p in partitions}
        try:
            answered = self._admin.list_partition_offsets(specs)
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot ask the log starts of {topic}: {exc}") from exc
        return {tp.partition: max(0, int(found.offset)) for tp, found in answered.items()}

    def _fetch(self, topic: str, at: dict[int, int], *, max_bytes: int,
               with_records: bool = False) -> dict[int, Any]:
        """One Fetch per leader; per partition ``(error class or None, high watermark, log
        start[, records])``."""
        try:
            return self._admin._manager.run(self._fetch_async, topic, at, max_bytes, with_records)  # noqa: SLF001
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot fetch from {topic}: {exc}") from exc

    async def _fetch_async(self, topic: str, at: dict[int, int], max_bytes: int,
                           with_records: bool) -> dict[int, Any]:
        admin = self._admin
        leaders = await admin._async_get_leader_for_partitions({TopicPartition(topic, p) for p in at})  # noqa: SLF001
        answers: dict[int, Any] = {}
        fetch_topic = FetchRequest.FetchTopic
        fetch_partition = fetch_topic.FetchPartition
        for leader, tps in leaders.items():
            request = FetchRequest(
                replica_id=-1, max_wait_ms=_FETCH_WAIT_MS, min_bytes=1, max_bytes=max_bytes, isolation_level=0,
                session_id=0, session_epoch=-1, forgotten_topics_data=[], rack_id="", max_version=12,
                topics=[fetch_topic(topic=topic, partitions=[
                    fetch_partition(partition=tp.partition, fetch_offset=at[tp.partition], current_leader_epoch=-1,
                                    log_start_offset=-1, partition_max_bytes=max_bytes)
                    for tp in sorted(tps)])],
            )
            response = await admin._manager.send(request, node_id=leader)  # noqa: SLF001
            for answer in response.responses:
                for part in answer.partitions:
                    error = _error(part.error_code, topic, part.partition_index)
                    answer_row: tuple[Any, ...] = (error, int(part.high_watermark), int(part.log_start_offset))
                    if with_records:
                        answer_row += (_records(part.records),)
                    answers[part.partition_index] = answer_row
        missing = set(at) - set(answers)
        if missing:
            raise AuditError(f"the broker's fetch response left out {topic} partitions {sorted(missing)}")
        return answers


def _error(code: int, topic: str, partition: int) -> type[KafkaError] | None:
    if code == 0:
        return None
    if code == OffsetOutOfRangeError.errno:
        return OffsetOutOfRangeError
    from kafka import errors

    raise ServiceUnavailable(f"fetch from {topic}[{partition}] failed: {errors.for_code(code).__name__}")


def _records(data: bytes | None) -> list[RawRecord]:
    if not data:
        return []
    found = []
    batches = MemoryRecords(data)
    while (batch := batches.next_batch()) is not None:
        for record in batch:
            found.append(RawRecord(record.offset, record.key, record.value,
                                   tuple((name, value) for name, value in record.headers), record.timestamp))
    return found
