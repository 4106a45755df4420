-- Who did what: every filter optional, event-time order, keyset pagination on (occurred_at, seq).
SELECT seq, recorded_at, topic, partition, kafka_offset, payload
FROM events
WHERE (%(actor)s::text IS NULL OR actor_id = %(actor)s::text)
  AND (%(actor_kind)s::text IS NULL OR actor_kind = %(actor_kind)s::text)
  AND (%(org)s::text IS NULL OR actor_org = %(org)s::text)
  AND (%(target)s::text IS NULL OR target_id = %(target)s::text)
  AND (%(action)s::text IS NULL OR action = %(action)s::text)
  AND (%(from)s::timestamptz IS NULL OR occurred_at >= %(from)s::timestamptz)
  AND (%(to)s::timestamptz IS NULL OR occurred_at <= %(to)s::timestamptz)
  AND (%(after_time)s::timestamptz IS NULL
       OR (occurred_at, seq) > (%(after_time)s::timestamptz, %(after_seq)s::bigint))
ORDER BY occurred_at, seq
LIMIT %(limit)s
