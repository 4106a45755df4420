-- Rejected messages no re-drive has resolved: the ones named (%(ids)s), or whose reason
-- contains %(reason)s, or all; after id %(after)s, oldest first.
SELECT r.id, r.topic, r.partition, r.incarnation, r.kafka_offset, r.raw_key, r.raw_value, r.raw_headers, r.reason
FROM rejected r
WHERE NOT EXISTS (SELECT 1 FROM rejected_resolutions s WHERE s.rejected_id = r.id)
  AND (%(ids)s::bigint[] IS NULL OR r.id = ANY(%(ids)s::bigint[]))
  AND (%(reason)s::text IS NULL OR r.reason ILIKE '%%' || %(reason)s::text || '%%')
  AND r.id > %(after)s
ORDER BY r.id
LIMIT %(limit)s
