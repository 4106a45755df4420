-- The highest seq in the ledger; read only while holding the insert fence (003_snapshots.sql).
SELECT coalesce(max(seq), 0) FROM events
