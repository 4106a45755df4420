-- Rejected messages no re-drive has resolved: how many, and when the oldest arrived.
SELECT count(*) AS unresolved, min(r.received_at) AS oldest
FROM rejected r
WHERE NOT EXISTS (SELECT 1 FROM rejected_resolutions s WHERE s.rejected_id = r.id)
