"""Create the admin-actions topic when it is missing."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from auditlog.domain.errors import ServiceUnavailable


def ensure_topic(bootstrap: str, topic: str, partitions: int = 6) -> bool:
    """Create ``topic`` if needed; return True if it was created now."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="auditlog-admin")
    except KafkaError as exc:
        raise ServiceUnavailable(f"cannot reach the Kafka broker at {bootstrap}: {exc}") from exc
    try:
        if topic in admin.list_topics():
            return False
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
        return True
    except TopicAlreadyExistsError:
        return False  # another process created it between our check and our create
    except KafkaError as exc:
        raise ServiceUnavailable(f"cannot create topic {topic}: {exc}") from exc
    finally:
        admin.close()
