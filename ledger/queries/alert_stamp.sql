-- What a batch of alerts needs before it can be hashed: the alert chain's lock (held to the end
-- of the transaction), the time, and the chain's head.
SELECT pg_advisory_xact_lock(%(lock)s), now() AS raised_at,
       (SELECT chain_pos FROM alerts ORDER BY seq DESC LIMIT 1) AS head_pos,
       (SELECT hash FROM alerts ORDER BY seq DESC LIMIT 1) AS head_hash
