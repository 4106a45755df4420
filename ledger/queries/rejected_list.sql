-- Rejected messages, oldest first, with their resolution if a re-drive found one: filtered by a
-- reason (a case-insensitive part of it) and a window on received_at, each optional.
SELECT r.id, r.seq, r.received_at, r.topic, r.partition, r.incarnation, r.kafka_offset, r.reason,
       length(r.raw_value) AS size, s.outcome, s.event_id::text AS event_id, s.resolved_at
FROM rejected r
LEFT JOIN rejected_resolutions s ON s.rejected_id = r.id
WHERE (%(reason)s::text IS NULL OR r.reason ILIKE '%%' || %(reason)s::text || '%%')
  AND (%(from)s::timestamptz IS NULL OR r.received_at >= %(from)s::timestamptz)
  AND (%(to)s::timestamptz IS NULL OR r.received_at <= %(to)s::timestamptz)
  AND r.id > coalesce(%(after)s::bigint, 0)
ORDER BY r.id
LIMIT %(limit)s
