-- What the ledger holds of each partition and incarnation of a topic, events and rejected
-- messages alike (a re-driven message is at one offset in both): how many offsets, the lowest
-- and the highest.
SELECT partition, incarnation, count(*) AS offsets, min(kafka_offset) AS first, max(kafka_offset) AS last
FROM (SELECT partition, incarnation, kafka_offset FROM events WHERE topic = %(topic)s
      UNION
      SELECT partition, incarnation, kafka_offset FROM rejected WHERE topic = %(topic)s) AS held
GROUP BY partition, incarnation
ORDER BY partition, incarnation
