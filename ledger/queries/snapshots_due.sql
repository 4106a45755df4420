-- Which of %(accounts)s need a snapshot refresh in one generation: %(every)s events or more
-- after their last snapshot, or a snapshot that a late event made stale.
SELECT a.account
FROM unnest(%(accounts)s::text[]) AS a(account)
LEFT JOIN LATERAL (
    SELECT s.occurred_at, s.seq FROM snapshots s
    WHERE s.generation = %(generation)s AND s.account = a.account
    ORDER BY s.occurred_at DESC, s.seq DESC LIMIT 1) AS last ON true
WHERE (SELECT count(*) FROM (
           SELECT 1 FROM events e
           WHERE e.target_id = a.account
             AND (e.occurred_at, e.seq) > (coalesce(last.occurred_at, '-infinity'), coalesce(last.seq, 0))
           LIMIT %(every)s) AS after_last) >= %(every)s
   OR EXISTS (
       SELECT 1 FROM snapshots s
       JOIN events e ON e.target_id = s.account AND e.seq > s.watermark AND (e.occurred_at, e.seq) <= (s.occurred_at, s.seq)
       WHERE s.generation = %(generation)s AND s.account = a.account)
ORDER BY a.account
