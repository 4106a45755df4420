-- How many feed rows lie after a position and below the horizon (counted up to %(cap)s), and
-- the time of the oldest of them.
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
after AS (
    (SELECT e.recorded_at FROM events e, horizon h
     WHERE (e.txid, e.seq) > (%(txid)s::text::xid8, %(seq)s) AND e.txid < h.xmin
     ORDER BY e.txid, e.seq LIMIT %(cap)s)
    UNION ALL
    (SELECT r.received_at FROM rejected r, horizon h
     WHERE (r.txid, r.seq) > (%(txid)s::text::xid8, %(seq)s) AND r.txid < h.xmin
     ORDER BY r.txid, r.seq LIMIT %(cap)s)
)
SELECT count(*) AS rows, min(recorded_at) AS oldest FROM after
