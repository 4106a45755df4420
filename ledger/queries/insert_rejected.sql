-- A message that could not be accepted, with its bytes, why, and its place in its chain; kept
-- forever. No row returned: it was on record already (another group read the same topic).
INSERT INTO rejected (id, seq, received_at, topic, partition, incarnation, kafka_offset, raw_key, raw_value,
                      raw_headers, reason, chain_pos, prev_hash, hash)
OVERRIDING SYSTEM VALUE
VALUES (%(id)s, %(seq)s, %(received_at)s, %(topic)s, %(partition)s, %(incarnation)s, %(offset)s, %(raw_key)s,
        %(raw_value)s, %(raw_headers)s, %(reason)s, %(chain_pos)s, %(prev_hash)s, %(hash)s)
ON CONFLICT (topic, partition, incarnation, kafka_offset) DO NOTHING
RETURNING seq
