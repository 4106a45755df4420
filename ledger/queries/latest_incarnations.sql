-- The newest incarnation the ledger knows of each partition of a topic (none recorded: 0).
SELECT partition, max(incarnation) AS incarnation FROM topic_incarnations
WHERE topic = %(topic)s
GROUP BY partition
