-- Advance a writer group's partition to next_offset in a topic incarnation, fenced: only if
-- nobody has already written past the first offset of this batch (a writer that lost its
-- partition in a rebalance while frozen must not write it again). A later incarnation
-- starts its offsets again, so the fence compares (incarnation, offset).
-- No row returned means the batch is stale and the transaction must roll back.
INSERT INTO consumer_offsets (group_id, topic, partition, incarnation, next_offset, updated_at)
VALUES (%(group)s, %(topic)s, %(partition)s, %(incarnation)s, %(next_offset)s, now())
ON CONFLICT (group_id, topic, partition)
DO UPDATE SET next_offset = EXCLUDED.next_offset, incarnation = EXCLUDED.incarnation,
              updated_at = EXCLUDED.updated_at
WHERE (consumer_offsets.incarnation, consumer_offsets.next_offset) <= (EXCLUDED.incarnation, %(first_offset)s)
RETURNING partition
