-- An account's events after a fold point, committed up to the watermark, in fold order.
SELECT occurred_at, seq, recorded_at, payload
FROM events
WHERE target_id = %(account)s
  AND seq <= %(watermark)s
  AND (occurred_at, seq) > (coalesce(%(after_time)s::timestamptz, '-infinity'), coalesce(%(after_seq)s::bigint, 0))
ORDER BY occurred_at, seq
