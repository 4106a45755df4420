-- Committed ledger rows a feed reader cannot read yet: at or above the horizon, held back by a
-- transaction that is still running (counted up to %(cap)s).
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
SELECT count(*) AS rows FROM (
    (SELECT 1 FROM events e, horizon h WHERE e.txid >= h.xmin LIMIT %(cap)s)
    UNION ALL
    (SELECT 1 FROM rejected r, horizon h WHERE r.txid >= h.xmin LIMIT %(cap)s)
) AS held
