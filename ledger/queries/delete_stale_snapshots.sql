-- Drop an account's snapshots (of one generation) that miss a late event recorded up to
-- %(watermark)s: they are derived data, and readers bypass them anyway.
DELETE FROM snapshots s
WHERE s.generation = %(generation)s
  AND s.account = %(account)s
  AND EXISTS (
      SELECT 1 FROM events e
      WHERE e.target_id = s.account
        AND e.seq > s.watermark AND e.seq <= %(watermark)s
        AND (e.occurred_at, e.seq) <= (s.occurred_at, s.seq))
