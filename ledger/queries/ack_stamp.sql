-- What an acknowledgement needs before it can be hashed: the ack chain's lock, the time, a seq,
-- the chain's head, and whether the alert exists.
SELECT pg_advisory_xact_lock(%(lock)s), now() AS acked_at, nextval('events_seq_seq') AS seq,
       (SELECT chain_pos FROM alert_acks ORDER BY seq DESC LIMIT 1) AS head_pos,
       (SELECT hash FROM alert_acks ORDER BY seq DESC LIMIT 1) AS head_hash,
       EXISTS (SELECT 1 FROM alerts WHERE id = %(alert_id)s) AS alert_exists
