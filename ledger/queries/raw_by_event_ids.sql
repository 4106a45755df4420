-- The stored bytes of events already in the ledger, to tell redeliveries from id conflicts.
SELECT event_id, raw_value FROM events WHERE event_id = ANY(%(ids)s::uuid[])
