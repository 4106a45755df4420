-- The next ledger rows after a feed position, in feed order: (txid, seq) below the horizon.
-- The horizon is the oldest transaction still running, as this statement's own snapshot sees
-- it (pg_snapshot_xmin): every transaction below it has ended, so no row can still appear
-- below it, and rows at or above it wait for a later read. Each table is read on its
-- (txid, seq) index; the planner merges the two ordered streams (Merge Append), so nothing is
-- sorted. See ledger/feed.py.
SELECT * FROM (
    (SELECT e.txid::text::bigint AS txid, e.seq, 'event' AS kind, e.recorded_at, e.topic, e.partition,
            e.incarnation, e.kafka_offset, e.payload, NULL::bigint AS rejected_id, NULL::text AS reason, e.txid AS x
     FROM events e
     WHERE (e.txid, e.seq) > (%(txid)s::text::xid8, %(seq)s)
       AND e.txid < (SELECT pg_snapshot_xmin(pg_current_snapshot()))
     ORDER BY e.txid, e.seq
     LIMIT %(limit)s)
    UNION ALL
    (SELECT r.txid::text::bigint, r.seq, 'rejected', r.received_at, r.topic, r.partition,
            r.incarnation, r.kafka_offset, NULL, r.id, r.reason, r.txid
     FROM rejected r
     WHERE (r.txid, r.seq) > (%(txid)s::text::xid8, %(seq)s)
       AND r.txid < (SELECT pg_snapshot_xmin(pg_current_snapshot()))
     ORDER BY r.txid, r.seq
     LIMIT %(limit)s)
) AS rows
ORDER BY x, seq
LIMIT %(limit)s
