-- Where a feed consumer has read to (no row: it has read nothing).
SELECT txid::text::bigint AS txid, seq, updated_at FROM feed_positions WHERE consumer = %(consumer)s
