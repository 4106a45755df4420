-- The latest snapshot of an account (in the live generation) usable for state at %(at)s as known at %(known_at)s
-- (NULL: everything): at or before %(at)s, built only from events recorded by then,
-- and missing no late event (seq > watermark) that belongs before its point and was known.
SELECT s.occurred_at, s.seq, s.state
FROM snapshots s
WHERE s.generation = (SELECT live FROM projections WHERE name = 'snapshots')
  AND s.account = %(account)s
  AND s.occurred_at <= %(at)s
  AND s.max_recorded_at <= coalesce(%(known_at)s::timestamptz, 'infinity')
  AND NOT EXISTS (
      -- OFFSET 0 keeps the planner on (target_id, seq): only events recorded after the
      -- snapshot are read, however long the history before it
      SELECT 1
      FROM (SELECT e.occurred_at, e.seq, e.recorded_at FROM events e
            WHERE e.target_id = s.account AND e.seq > s.watermark OFFSET 0) late
      WHERE (late.occurred_at, late.seq) <= (s.occurred_at, s.seq)
        AND late.recorded_at <= coalesce(%(known_at)s::timestamptz, 'infinity'))
ORDER BY s.occurred_at DESC, s.seq DESC
LIMIT 1
