-- A message that could not be accepted, with its bytes and why; kept forever.
INSERT INTO rejected (topic, partition, kafka_offset, raw_key, raw_value, reason)
VALUES (%(topic)s, %(partition)s, %(offset)s, %(raw_key)s, %(raw_value)s, %(reason)s)
ON CONFLICT (topic, partition, kafka_offset) DO NOTHING
