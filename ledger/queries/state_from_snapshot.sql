-- The rows an account's state at at is folded from, in one statement (one snapshot of the
-- database, one round trip): after the CTE snap (nearest_snapshot.sql, put in front by
-- ledger/state.py), the snapshot first (part 0, if any), then the account's events after its
-- point (or from the beginning) up to occurred_at <= at, recorded by known_at, in fold order.
SELECT 0 AS part, occurred_at, seq, state AS doc FROM snap
UNION ALL
SELECT 1, e.occurred_at, e.seq, e.payload
FROM events e
WHERE e.target_id = %(account)s
  -- the plain range keeps the planner on (target_id, occurred_at); the row comparison is exact
  AND e.occurred_at BETWEEN coalesce((SELECT occurred_at FROM snap), '-infinity') AND %(at)s
  AND (e.occurred_at, e.seq) > (coalesce((SELECT occurred_at FROM snap), '-infinity'),
                                coalesce((SELECT seq FROM snap), 0))
  AND e.recorded_at <= coalesce(%(known_at)s::timestamptz, 'infinity')
ORDER BY part, occurred_at, seq
