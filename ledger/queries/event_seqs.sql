-- The ledger row (seq) of each of these events.
SELECT event_id::text AS event_id, seq FROM events WHERE event_id = ANY(%(event_ids)s::uuid[])
