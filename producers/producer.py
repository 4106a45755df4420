"""``AuditProducer``: what admin tools embed to emit one event per admin action.

Events are validated before they leave (an error names the bad field), encoded
with Avro single-object encoding, keyed by target id so one account's events
stay in order on one partition, and sent idempotently with ``acks="all"``.

Nothing is dropped silently: when the broker is down, sends buffer up to
``buffer_bytes`` of unacknowledged messages; past that, ``send`` waits
``max_block_ms`` for room and then raises ``DeliveryFailed`` for that event.
Events that were buffered but never delivered make ``flush()`` raise, naming
them. (kafka-python 3 dropped its own ``buffer_memory`` bound, so we keep one.)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

from auditlog.domain.errors import DeliveryFailed, ServiceUnavailable
from auditlog.domain.model import AdminAction
from auditlog.schemas.codec import HEADER_LEN, encode

PRODUCER_NAME = "auditlog"
PRODUCER_VERSION = "0.1.0"


@dataclass(frozen=True)
class DeliveryResult:
    event_id: str
    topic: str
    partition: int
    offset: int


class Delivery:
    """The pending delivery of one event; ``result()`` waits for the broker's answer."""

    def __init__(self, event_id: str, future: Any) -> None:
        self.event_id = event_id
        self._future = future

    def result(self, timeout: float = 30.0) -> DeliveryResult:
        try:
            meta = self._future.get(timeout=timeout)
        except KafkaError as exc:
            raise DeliveryFailed(f"event {self.event_id} was not delivered: {exc}") from exc
        return DeliveryResult(self.event_id, meta.topic, meta.partition, meta.offset)


class AuditProducer:
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        *,
        name: str = PRODUCER_NAME,
        version: str = PRODUCER_VERSION,
        buffer_bytes: int = 32 * 1024 * 1024,
        max_block_ms: int = 10_000,
        **overrides: Any,
    ) -> None:
        self.topic = topic
        self.buffer_bytes = buffer_bytes
        self.max_block_ms = max_block_ms
        self._producer_header = f"{name}/{version}".encode()
        self._failed: list[str] = []
        self._unacked_bytes = 0
        self._room = threading.Condition()
        config: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "client_id": name,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "batch_size": 256 * 1024,
            "max_block_ms": max_block_ms,
        }
        config.update(overrides)
        try:
            self._producer = KafkaProducer(**config)
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc

    def send(self, event: AdminAction, trace_id: str | None = None) -> Delivery:
        """Validate, encode and buffer one event; the returned ``Delivery`` says how it went."""
        value = encode(event)  # validates first: raises InvalidEvent naming the field
        headers = [
            ("schema-fingerprint", value[2:HEADER_LEN]),
            ("producer", self._producer_header),
            # the event id is already unique; a fresh uuid4 per event cost ~30 us of urandom here
            ("trace-id", (trace_id or event.correlation_id or event.event_id).encode()),
        ]
        size = len(value) + 64  # key, headers and record overhead, roughly
        self._reserve(size, event.event_id)
        try:
            future = self._producer.send(self.topic, key=event.target.id.encode(), value=value, headers=headers)
        except KafkaTimeoutError as exc:
            self._release(size)
            raise DeliveryFailed(
                f"event {event.event_id} was NOT sent: no topic metadata from the broker within "
                f"{self.max_block_ms} ms ({exc})"
            ) from exc
        future.add_callback(self._delivered, size)
        future.add_errback(self._undelivered, size, event.event_id)
        return Delivery(event.event_id, future)

    def _reserve(self, size: int, event_id: str) -> None:
        deadline = time.monotonic() + self.max_block_ms / 1000
        with self._room:
            while self._unacked_bytes + size > self.buffer_bytes:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DeliveryFailed(
                        f"event {event_id} was NOT sent: {self._unacked_bytes} bytes are still waiting for "
                        f"the broker (buffer bound {self.buffer_bytes}) after {self.max_block_ms} ms"
                    )
                self._room.wait(remaining)
            self._unacked_bytes += size

    def _release(self, size: int) -> None:
        with self._room:
            self._unacked_bytes -= size
            self._room.notify_all()

    def _delivered(self, size: int, metadata: Any) -> None:
        self._release(size)

    def _undelivered(self, size: int, event_id: str, exc: BaseException) -> None:
        with self._room:
            self._failed.append(event_id)
        self._release(size)

    def emit(self, event: AdminAction, timeout: float = 30.0) -> DeliveryResult:
        """Send one event and wait until the broker has it."""
        return self.send(event).result(timeout)

    def flush(self, timeout: float | None = None) -> None:
        """Wait for every buffered event; raise ``DeliveryFailed`` naming any that failed."""
        try:
            self._producer.flush(timeout=timeout)
        except KafkaError as exc:
            raise DeliveryFailed(f"flush did not finish: {exc}") from exc
        with self._room:
            failed, self._failed = self._failed, []
        if failed:
            shown = ", ".join(failed[:5]) + (" ..." if len(failed) > 5 else "")
            raise DeliveryFailed(f"{len(failed)} events were not delivered: {shown}")

    def close(self, timeout: float | None = None) -> None:
        self._producer.close(timeout=timeout)

    def __enter__(self) -> AuditProducer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.flush()
        finally:
            self.close(timeout=None if exc_type is None else 0)
