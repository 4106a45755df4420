-- An account's events after a fold point (a snapshot's, or the beginning) up to
-- occurred_at <= %(at)s, recorded by %(known_at)s (NULL: everything), in fold order.
SELECT payload
FROM events
WHERE target_id = %(account)s
  -- the plain range lets the planner estimate the window; the row comparison is exact
  AND occurred_at BETWEEN coalesce(%(after_time)s::timestamptz, '-infinity') AND %(at)s
  AND (occurred_at, seq) > (coalesce(%(after_time)s::timestamptz, '-infinity'), coalesce(%(after_seq)s::bigint, 0))
  AND recorded_at <= coalesce(%(known_at)s::timestamptz, 'infinity')
ORDER BY occurred_at, seq
