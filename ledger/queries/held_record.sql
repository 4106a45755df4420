-- The message the ledger holds at the highest offset below %(below)s of one partition of one
-- topic incarnation, accepted or rejected: what the writer compares with the broker's bytes.
SELECT kafka_offset, raw_key, raw_value FROM (
    (SELECT kafka_offset, raw_key, raw_value FROM events
     WHERE topic = %(topic)s AND partition = %(partition)s AND incarnation = %(incarnation)s
       AND kafka_offset < %(below)s
     ORDER BY kafka_offset DESC LIMIT 1)
    UNION ALL
    (SELECT kafka_offset, raw_key, raw_value FROM rejected
     WHERE topic = %(topic)s AND partition = %(partition)s AND incarnation = %(incarnation)s
       AND kafka_offset < %(below)s
     ORDER BY kafka_offset DESC LIMIT 1)
) AS held
ORDER BY kafka_offset DESC
LIMIT 1
