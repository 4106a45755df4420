-- What reads need before they can be hashed: the time, a seq each, the read chain's head, and why
-- each read's token may not read now (NULL: no token, the CLI's reads; '': it may).
-- Run after the chain's lock was granted, as a statement of its own (chained.locked): a
-- statement reads on the snapshot taken when it began, so a head read in the statement that
-- waited for the lock would miss the row the lock's last holder committed meanwhile.
SELECT now() AS read_at,
       array(SELECT nextval('events_seq_seq')
             FROM generate_series(1, cardinality(%(token_ids)s::text[])) ORDER BY 1) AS seqs,
       (SELECT chain_pos FROM reads ORDER BY seq DESC LIMIT 1) AS head_pos,
       (SELECT hash FROM reads ORDER BY seq DESC LIMIT 1) AS head_hash,
       array(SELECT CASE WHEN u.id IS NULL THEN NULL
                    ELSE coalesce((SELECT CASE WHEN EXISTS (SELECT 1 FROM token_revocations r WHERE r.token_id = t.id)
                                               THEN 'revoked'
                                               WHEN t.expires_at <= now() THEN 'expired'
                                               ELSE '' END
                                   FROM tokens t WHERE t.id = u.id), 'unknown') END
             FROM unnest(%(token_ids)s::text[]) WITH ORDINALITY AS u(id, n) ORDER BY u.n) AS refusals
