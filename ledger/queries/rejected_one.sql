-- One rejected message with its bytes, and its resolution if any.
SELECT r.id, r.seq, r.received_at, r.topic, r.partition, r.incarnation, r.kafka_offset, r.reason,
       r.raw_key, r.raw_value, r.raw_headers, s.outcome, s.event_id::text AS event_id, s.resolved_at,
       s.resolved_by, e.seq AS event_seq
FROM rejected r
LEFT JOIN rejected_resolutions s ON s.rejected_id = r.id
LEFT JOIN events e ON e.event_id = s.event_id
WHERE r.id = %(id)s
