-- What a read record needs before it can be hashed: the time, a seq, the read chain's head, and
-- why the read's token may not read now (NULL: no token, the CLI's reads; '': it may).
-- Run after the chain's lock was granted, as a statement of its own (chained.stamp): a
-- statement reads on the snapshot taken when it began, so a head read in the statement that
-- waited for the lock would miss the row the lock's last holder committed meanwhile.
SELECT now() AS read_at, nextval('events_seq_seq') AS seq,
       (SELECT chain_pos FROM reads ORDER BY seq DESC LIMIT 1) AS head_pos,
       (SELECT hash FROM reads ORDER BY seq DESC LIMIT 1) AS head_hash,
       CASE WHEN %(token_id)s::text IS NULL THEN NULL
            ELSE coalesce((SELECT CASE WHEN EXISTS (SELECT 1 FROM token_revocations r WHERE r.token_id = t.id)
                                       THEN 'revoked'
                                       WHEN t.expires_at <= now() THEN 'expired'
                                       ELSE '' END
                           FROM tokens t WHERE t.id = %(token_id)s), 'unknown') END AS token_refusal
