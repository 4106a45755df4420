-- Committed ledger rows a feed reader cannot read yet: at or above the horizon, held back by a
-- transaction that is still running (counted up to %(cap)s).
SELECT count(*) AS rows FROM (
    (SELECT 1 FROM events e WHERE e.txid >= (SELECT pg_snapshot_xmin(pg_current_snapshot())) LIMIT %(cap)s)
    UNION ALL
    (SELECT 1 FROM rejected r WHERE r.txid >= (SELECT pg_snapshot_xmin(pg_current_snapshot())) LIMIT %(cap)s)
) AS held
