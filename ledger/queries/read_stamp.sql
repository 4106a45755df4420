-- What a read record needs before it can be hashed: the read chain's lock (held to the end of
-- the transaction), the time, a seq, and the chain's head.
SELECT pg_advisory_xact_lock(%(lock)s), now() AS read_at, nextval('events_seq_seq') AS seq,
       (SELECT chain_pos FROM reads ORDER BY seq DESC LIMIT 1) AS head_pos,
       (SELECT hash FROM reads ORDER BY seq DESC LIMIT 1) AS head_hash
