"""The writer's side of Kafka: the group member, its rebalances, its polls and its positions.

Offsets live in the ledger, never in Kafka (no commits to the group). A newly assigned
partition is paused until the writer has proved where to resume it (``incarnations.py``),
then sought there and resumed: the rebalance callback itself makes no broker call. A fetch
past a log's end (the topic was recreated shorter, on Apache Kafka) comes back as the
partitions to prove again, never as a silent jump to the log's start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError, OffsetOutOfRangeError

from auditlog.domain.errors import ServiceUnavailable

log = logging.getLogger(__name__)

# Tansu (the local broker) completes group joins in ~3 s with this interval and
# not within 20 s with the 300 s default; it also bounds how long a frozen
# writer can hold its partitions before the group moves them. (The session timeout is a
# setting, AUDITLOG_KAFKA_SESSION_TIMEOUT_MS: Tansu lets a member in about 4 s after a dead
# one's session has run out, so 6 s means ~11 s, 3 s means ~7 s.)
MAX_POLL_INTERVAL_MS = 10_000
# What one fetch may bring back. Memory stays flat however long the topic is (Tansu
# answers a fetch with as much of a partition as these allow), and a few thousand
# events per fetch keeps the appends fed.
FETCH_MAX_BYTES = 2 * 1024 * 1024
PARTITION_FETCH_MAX_BYTES = 1024 * 1024


# Tansu 0.6.0 wedges a group for good (no member is ever let in again) when a LeaveGroup arrives
# while a member's JoinGroup is pending: the leaver's own (kafka-python closing mid-join) or
# another's (a writer stopped while another one joins). On Tansu a writer therefore never
# leaves: it just goes away, and the group drops it after the session times out (~11 s).
TANSU_CLUSTER_ID = "tansu_cluster"


class KafkaSource:
    def __init__(self, bootstrap: str, topic: str, group: str, *, session_timeout_ms: int,
                 before_revoke: Callable[[list[int]], None], leave_on_close: bool = True) -> None:
        self.topic = topic
        self._before_revoke = before_revoke
        self._leave_on_close = leave_on_close
        self._pending: set[int] = set()  # assigned, paused until proven
        self.joined = False  # a member of the group's current generation (its join finished)
        try:
            self._consumer = KafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=group,
                client_id="auditlog-ledger-writer",
                enable_auto_commit=False,  # offsets live in Postgres, with the rows
                auto_offset_reset="none",  # never jump anywhere by itself
                max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
                session_timeout_ms=session_timeout_ms,
                heartbeat_interval_ms=max(100, session_timeout_ms // 3),
                fetch_max_bytes=FETCH_MAX_BYTES,
                max_partition_fetch_bytes=PARTITION_FETCH_MAX_BYTES,
            )
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc
        self._consumer.subscribe([topic], listener=_Listener(self))

    def poll(self, max_records: int, timeout_ms: int) -> tuple[dict[int, list[Any]], list[int]]:
        """Records by partition, and the partitions whose position fell outside the log."""
        try:
            polled = self._consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        except OffsetOutOfRangeError as exc:
            lost = sorted(tp.partition for tp in (exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}))
            return {}, lost or sorted(self.assigned())
        except KafkaError as exc:
            raise ServiceUnavailable(f"the broker failed: {exc}") from exc
        return {tp.partition: records for tp, records in polled.items()}, []

    def assigned(self) -> set[int]:
        return {tp.partition for tp in self._consumer.assignment()}

    def pending(self) -> set[int]:
        """Assigned partitions not proven yet (paused)."""
        return self._pending & self.assigned()

    def hold(self, partitions: Iterable[int]) -> None:
        """Pause partitions until ``start`` proves where they resume."""
        parts = set(partitions) & self.assigned()
        self._pending |= parts
        self._consumer.pause(*[self._tp(p) for p in parts])

    def start(self, positions: dict[int, int]) -> None:
        """Seek each proven partition to its resume offset and let it be fetched."""
        for partition, offset in positions.items():
            if partition in self.assigned():
                self._consumer.seek(self._tp(partition), offset)
            self._pending.discard(partition)
        self._apply_pauses()

    def seek(self, partition: int, offset: int) -> None:
        self._consumer.seek(self._tp(partition), offset)

    def lag(self) -> dict[int, int]:
        """Per assigned, proven partition: messages behind the high watermark of the last fetch."""
        behind = {}
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is not None and tp.partition not in self._pending:
                behind[tp.partition] = max(0, high - self._consumer.position(tp))
        return behind

    def close(self) -> None:
        if not self.joined or not self._leave_on_close:
            # go away without a LeaveGroup (see TANSU_CLUSTER_ID); mid-join on any broker, since
            # a member with a pending join has nothing to hand back
            coordinator = getattr(self._consumer, "_coordinator", None)
            if coordinator is not None and hasattr(coordinator, "reset_generation"):
                coordinator.reset_generation()
        self._consumer.close(autocommit=False)

    def _apply_pauses(self) -> None:
        assigned = self._consumer.assignment()
        paused = {tp for tp in assigned if tp.partition in self._pending}
        if paused:
            self._consumer.pause(*paused)
        running = [tp for tp in assigned if tp not in paused]
        if running:
            self._consumer.resume(*running)

    def _tp(self, partition: int) -> TopicPartition:
        return TopicPartition(self.topic, partition)

    # -- called by the rebalance listener, inside poll -------------------------------

    def _revoked(self, partitions: list[int]) -> None:
        self.joined = False  # a rebalance has begun
        self._before_revoke(partitions)
        self._pending -= set(partitions)

    def _assigned(self, partitions: list[int]) -> None:
        self.joined = True
        for partition in partitions:
            # a provisional position (no fetch happens while paused); the proven one follows
            self._consumer.seek(self._tp(partition), 0)
        self.hold(partitions)
        log.info("assigned %s", sorted(partitions))


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, source: KafkaSource) -> None:
        self.source = source

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.source._revoked(sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.source._assigned(sorted(tp.partition for tp in assigned))
