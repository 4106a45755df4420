-- One partition of one topic incarnation as the ledger holds it, in offset order: every
-- message, accepted or rejected (a re-driven one once, as its event).
SELECT DISTINCT ON (kafka_offset) kafka_offset, seq, kind, raw_key, raw_headers, raw_value, target_id
FROM ((SELECT kafka_offset, seq, 'event' AS kind, raw_key, raw_headers, raw_value, target_id FROM events
       WHERE topic = %(topic)s AND partition = %(partition)s AND incarnation = %(incarnation)s)
      UNION ALL
      (SELECT kafka_offset, seq, 'rejected', raw_key, raw_headers, raw_value, NULL FROM rejected
       WHERE topic = %(topic)s AND partition = %(partition)s AND incarnation = %(incarnation)s)) AS held
ORDER BY kafka_offset, kind
