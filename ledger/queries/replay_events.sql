-- Events to replay, in seq order, as they arrived (bytes, key, headers) with where they came
-- from; every selector optional.
SELECT seq, topic, partition, incarnation, kafka_offset, raw_key, raw_headers, raw_value, target_id
FROM events
WHERE seq >= coalesce(%(from_seq)s::bigint, 0)
  AND seq <= coalesce(%(to_seq)s::bigint, 9223372036854775807)
  AND (%(from)s::timestamptz IS NULL OR occurred_at >= %(from)s::timestamptz)
  AND (%(to)s::timestamptz IS NULL OR occurred_at <= %(to)s::timestamptz)
  AND (%(recorded_from)s::timestamptz IS NULL OR recorded_at >= %(recorded_from)s::timestamptz)
  AND (%(recorded_to)s::timestamptz IS NULL OR recorded_at <= %(recorded_to)s::timestamptz)
  AND (%(account)s::text IS NULL OR (target_id = %(account)s::text AND target_type = 'account'))
  AND (%(actor)s::text IS NULL OR actor_id = %(actor)s::text)
  AND (%(partition)s::integer IS NULL OR partition = %(partition)s::integer)
ORDER BY seq
