-- Every incarnation change recorded for a topic, oldest first.
SELECT topic, partition, incarnation, detected_at, detected_by, ledger_end, broker_start, broker_end, reason
FROM topic_incarnations
WHERE topic = %(topic)s
ORDER BY detected_at, partition
