-- An acknowledgement with its place in the ack chain (computed under that chain's lock).
INSERT INTO alert_acks (seq, alert_id, note, acked_by, acked_at, chain_pos, prev_hash, hash)
VALUES (%(seq)s, %(alert_id)s, %(note)s, %(acked_by)s, %(acked_at)s, %(chain_pos)s, %(prev_hash)s, %(hash)s)
