-- Serialize appends to each (topic, partition) chain, across writer groups too: the
-- offset fence only orders writers of one group. Callers pass the chains sorted,
-- so two batches always lock in the same order. Held until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext(c.topic), c.partition)
FROM unnest(%(topics)s::text[], %(partitions)s::int[]) AS c(topic, partition)
