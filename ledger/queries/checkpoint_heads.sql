-- The head of every chain in the ledger, with the transaction's time, in one snapshot.
-- A loose index scan over events_chain finds the chains without reading every row.
WITH RECURSIVE chains AS (
    (SELECT topic, partition FROM events ORDER BY topic, partition LIMIT 1)
    UNION ALL
    SELECT n.topic, n.partition
    FROM chains c
    CROSS JOIN LATERAL (
        SELECT e.topic, e.partition FROM events e
        WHERE (e.topic, e.partition) > (c.topic, c.partition)
        ORDER BY e.topic, e.partition LIMIT 1
    ) n
)
SELECT now(), c.topic, c.partition, h.seq, h.chain_pos, h.hash
FROM chains c
CROSS JOIN LATERAL (
    SELECT seq, chain_pos, hash FROM events e
    WHERE e.topic = c.topic AND e.partition = c.partition
    ORDER BY seq DESC LIMIT 1
) h
ORDER BY c.topic, c.partition
