"""Emitting admin actions to Kafka: the producer, topic set-up and the incident scenario."""
