-- The last chained rejected row of each chain (none: not started); run under lock_chains.
SELECT c.topic, c.partition, h.chain_pos, h.hash
FROM unnest(%(topics)s::text[], %(partitions)s::int[]) AS c(topic, partition)
LEFT JOIN LATERAL (
    SELECT chain_pos, hash FROM rejected r
    WHERE r.topic = c.topic AND r.partition = c.partition AND r.chain_pos IS NOT NULL
    ORDER BY seq DESC LIMIT 1
) h ON true
