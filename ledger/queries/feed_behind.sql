-- How many feed rows lie after a position and below the horizon (counted up to %(cap)s), and
-- the time of the oldest of them. The horizon is a scalar subquery, as in feed_rows.sql, so each
-- branch is one ordered index range scan that stops at the cap.
SELECT count(*) AS rows, min(recorded_at) AS oldest FROM (
    (SELECT e.recorded_at FROM events e
     WHERE (e.txid, e.seq) > (%(txid)s::text::xid8, %(seq)s)
       AND e.txid < (SELECT pg_snapshot_xmin(pg_current_snapshot()))
     ORDER BY e.txid, e.seq LIMIT %(cap)s)
    UNION ALL
    (SELECT r.received_at FROM rejected r
     WHERE (r.txid, r.seq) > (%(txid)s::text::xid8, %(seq)s)
       AND r.txid < (SELECT pg_snapshot_xmin(pg_current_snapshot()))
     ORDER BY r.txid, r.seq LIMIT %(cap)s)
) AS after
