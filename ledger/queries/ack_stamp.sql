-- What an acknowledgement needs before it can be hashed: the time, a seq, the ack chain's
-- head, and whether the alert exists.
-- Run after the chain's lock was granted, as a statement of its own (chained.locked): a
-- statement reads on the snapshot taken when it began, so a head read in the statement that
-- waited for the lock would miss the row the lock's last holder committed meanwhile.
SELECT now() AS acked_at, nextval('events_seq_seq') AS seq,
       (SELECT chain_pos FROM alert_acks ORDER BY seq DESC LIMIT 1) AS head_pos,
       (SELECT hash FROM alert_acks ORDER BY seq DESC LIMIT 1) AS head_hash,
       EXISTS (SELECT 1 FROM alerts WHERE id = %(alert_id)s) AS alert_exists
