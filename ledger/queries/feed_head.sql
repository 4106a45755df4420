-- The last position a feed reader can read now (the highest (txid, seq) below the horizon),
-- the time of the row there, and the horizon itself.
WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
last AS (
    (SELECT e.txid, e.seq, e.recorded_at FROM events e
     WHERE e.txid < (SELECT xmin FROM horizon)
     ORDER BY e.txid DESC, e.seq DESC LIMIT 1)
    UNION ALL
    (SELECT r.txid, r.seq, r.received_at FROM rejected r
     WHERE r.txid < (SELECT xmin FROM horizon)
     ORDER BY r.txid DESC, r.seq DESC LIMIT 1)
)
SELECT (SELECT xmin::text::bigint FROM horizon) AS horizon,
       l.txid::text::bigint AS txid, l.seq, l.recorded_at
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT * FROM last ORDER BY txid DESC, seq DESC LIMIT 1) l ON true
