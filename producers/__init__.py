"""Emitting admin actions to Kafka: ``AuditProducer`` (what an admin tool embeds), topic
set-up, the broker's log as fetch responses tell it, bulk emit and the incident scenario.

The light client: ``pip install auditlog`` (no extras) brings kafka-python, fastavro and
crc32c only, and ``from auditlog.producers import AuditProducer`` needs nothing more.
"""

from auditlog.producers.producer import AuditProducer, Delivery, DeliveryResult

__all__ = ["AuditProducer", "Delivery", "DeliveryResult"]
