-- The first offsets missing from one partition of one topic incarnation in the ledger (a
-- duplicate the writer skipped, or messages lost before they were read), up to %(last)s.
SELECT o AS missing
FROM generate_series(0, %(last)s::bigint) AS o
WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.topic = %(topic)s AND e.partition = %(partition)s
                  AND e.incarnation = %(incarnation)s AND e.kafka_offset = o)
  AND NOT EXISTS (SELECT 1 FROM rejected r WHERE r.topic = %(topic)s AND r.partition = %(partition)s
                  AND r.incarnation = %(incarnation)s AND r.kafka_offset = o)
ORDER BY o
LIMIT 5
