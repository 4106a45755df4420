-- A message that could not be accepted, with its bytes and why; kept forever.
INSERT INTO rejected (topic, partition, incarnation, kafka_offset, raw_key, raw_value, raw_headers, reason)
VALUES (%(topic)s, %(partition)s, %(incarnation)s, %(offset)s, %(raw_key)s, %(raw_value)s, %(raw_headers)s,
        %(reason)s)
ON CONFLICT (topic, partition, incarnation, kafka_offset) DO NOTHING
