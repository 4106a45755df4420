"""``AuditProducer``: what admin tools embed to emit one event per admin action.

Events are validated before they leave (an error names the bad field), encoded
with Avro single-object encoding, keyed by target id so one account's events
stay in order on one partition, and sent with ``acks="all"`` and idempotence.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from domain.errors import ServiceUnavailable
from domain.model import AdminAction
from schemas.codec import encode

PRODUCER_NAME = "auditlog"
PRODUCER_VERSION = "0.1.0"


class AuditProducer:
    def __init__(self, bootstrap: str, topic: str, **overrides: Any) -> None:
        self.topic = topic
        config: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "client_id": PRODUCER_NAME,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "retries": 5,
        }
        config.update(overrides)
        try:
            self._producer = KafkaProducer(**config)
        except KafkaError as exc:
            raise ServiceUnavailable(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc

    def send(self, event: AdminAction) -> Any:
        """Validate, encode and hand the event to the client; returns its delivery future."""
        value = encode(event)  # validates first: raises InvalidEvent naming the field
        headers = [
            ("schema-fingerprint", value[2:10]),
            ("producer", f"{PRODUCER_NAME}/{PRODUCER_VERSION}".encode()),
        ]
        return self._producer.send(
            self.topic, key=event.target.id.encode(), value=value, headers=headers
        )

    def emit(self, event: AdminAction, timeout: float = 30.0) -> Any:
        """Send one event and wait until the broker has it; returns its RecordMetadata."""
        future = self.send(event)
        try:
            return future.get(timeout=timeout)
        except KafkaError as exc:
            raise ServiceUnavailable(f"the broker did not accept the event: {exc}") from exc

    def flush(self, timeout: float | None = None) -> None:
        try:
            self._producer.flush(timeout=timeout)
        except KafkaError as exc:
            raise ServiceUnavailable(f"flush failed: {exc}") from exc

    def close(self) -> None:
        self._producer.close()

    def __enter__(self) -> AuditProducer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.flush()
        self.close()
