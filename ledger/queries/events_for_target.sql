-- Events about one target with occurred_at <= at (and recorded_at <= known_at when given),
-- in fold order: event time, ties broken by ledger order.
SELECT seq, recorded_at, topic, partition, kafka_offset, payload
FROM events
WHERE target_id = %(target)s
  AND occurred_at <= %(at)s
  AND (%(known_at)s::timestamptz IS NULL OR recorded_at <= %(known_at)s::timestamptz)
ORDER BY occurred_at, seq
