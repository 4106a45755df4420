-- How many of these event ids the ledger holds.
SELECT count(*) AS present FROM events WHERE event_id = ANY(%(ids)s::uuid[])
