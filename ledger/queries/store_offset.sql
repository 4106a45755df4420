-- Advance a writer group's partition to next_offset, fenced: only if nobody has
-- already written past the first offset of this batch (a writer that lost its
-- partition in a rebalance while frozen must not write it again).
-- No row returned means the batch is stale and the transaction must roll back.
INSERT INTO consumer_offsets (group_id, topic, partition, next_offset, updated_at)
VALUES (%(group)s, %(topic)s, %(partition)s, %(next_offset)s, now())
ON CONFLICT (group_id, topic, partition)
DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = EXCLUDED.updated_at
WHERE consumer_offsets.next_offset <= %(first_offset)s
RETURNING partition
