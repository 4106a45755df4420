-- The latest snapshot of an account usable for state at %(at)s as known at %(known_at)s
-- (NULL: everything): at or before %(at)s, built only from events recorded by then,
-- and missing no late event (seq > watermark) that belongs before its point and was known.
SELECT s.occurred_at, s.seq, s.state
FROM snapshots s
WHERE s.account = %(account)s
  AND s.occurred_at <= %(at)s
  AND s.max_recorded_at <= coalesce(%(known_at)s::timestamptz, 'infinity')
  AND NOT EXISTS (
      SELECT 1 FROM events e
      WHERE e.target_id = s.account
        AND e.seq > s.watermark
        AND (e.occurred_at, e.seq) <= (s.occurred_at, s.seq)
        AND e.recorded_at <= coalesce(%(known_at)s::timestamptz, 'infinity'))
ORDER BY s.occurred_at DESC, s.seq DESC
LIMIT 1
