-- Where every feed consumer has read to, with the time of the row it read last.
SELECT p.consumer, p.txid::text::bigint AS txid, p.seq, p.updated_at,
       coalesce((SELECT e.recorded_at FROM events e WHERE e.seq = p.seq),
                (SELECT r.received_at FROM rejected r WHERE r.seq = p.seq)) AS recorded_at
FROM feed_positions p
ORDER BY p.consumer
