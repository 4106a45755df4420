-- The next ledger rows after a feed position, in feed order: (txid, seq) below the horizon.
-- The horizon is the oldest transaction still running, as this statement's own snapshot sees
-- it (pg_snapshot_xmin): every transaction below it has ended, so no row can still appear
-- below it, and rows at or above it wait for a later read. Each table is read on its
-- (txid, seq) index; the two ordered streams are merged. See ledger/feed.py.
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
SELECT * FROM (
    (SELECT e.txid::text::bigint AS txid, e.seq, 'event' AS kind, e.recorded_at, e.topic, e.partition,
            e.incarnation, e.kafka_offset, e.payload, NULL::bigint AS rejected_id, NULL::text AS reason
     FROM events e, horizon h
     WHERE (e.txid, e.seq) > (%(txid)s::text::xid8, %(seq)s) AND e.txid < h.xmin
     ORDER BY e.txid, e.seq
     LIMIT %(limit)s)
    UNION ALL
    (SELECT r.txid::text::bigint, r.seq, 'rejected', r.received_at, r.topic, r.partition,
            r.incarnation, r.kafka_offset, NULL, r.id, r.reason
     FROM rejected r, horizon h
     WHERE (r.txid, r.seq) > (%(txid)s::text::xid8, %(seq)s) AND r.txid < h.xmin
     ORDER BY r.txid, r.seq
     LIMIT %(limit)s)
) AS rows
ORDER BY txid, seq
LIMIT %(limit)s
