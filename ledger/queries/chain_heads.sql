-- The last row of each chain (none for a chain not started yet); run after lock_chains.
SELECT c.topic, c.partition, h.chain_pos, h.hash
FROM unnest(%(topics)s::text[], %(partitions)s::int[]) AS c(topic, partition)
LEFT JOIN LATERAL (
    SELECT chain_pos, hash FROM events e
    WHERE e.topic = c.topic AND e.partition = c.partition
    ORDER BY seq DESC LIMIT 1
) h ON true
