-- A feed consumer's new position, in the same transaction as the effects of the rows it read.
INSERT INTO feed_positions (consumer, txid, seq, updated_at)
VALUES (%(consumer)s, %(txid)s::text::xid8, %(seq)s, now())
ON CONFLICT (consumer) DO UPDATE SET txid = EXCLUDED.txid, seq = EXCLUDED.seq, updated_at = EXCLUDED.updated_at
