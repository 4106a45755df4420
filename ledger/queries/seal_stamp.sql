-- What a seal needs before it can be hashed: the time, a seq, and the seal chain's head.
-- Run after the chain's lock was granted, as a statement of its own (chained.locked): a
-- statement reads on the snapshot taken when it began, so a head read in the statement that
-- waited for the lock would miss the row the lock's last holder committed meanwhile.
SELECT now() AS requested_at, nextval('events_seq_seq') AS seq,
       (SELECT chain_pos FROM seals ORDER BY seq DESC LIMIT 1) AS head_pos,
       (SELECT hash FROM seals ORDER BY seq DESC LIMIT 1) AS head_hash
