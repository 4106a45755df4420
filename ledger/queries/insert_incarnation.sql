-- A topic incarnation change the writer found; nothing if another writer recorded it first.
INSERT INTO topic_incarnations (topic, partition, incarnation, detected_by, ledger_end, broker_start,
                                broker_end, reason)
VALUES (%(topic)s, %(partition)s, %(incarnation)s, %(detected_by)s, %(ledger_end)s, %(broker_start)s,
        %(broker_end)s, %(reason)s)
ON CONFLICT (topic, partition, incarnation) DO NOTHING
RETURNING incarnation
