-- Undelivered alerts per sink, and the oldest of them.
SELECT sink, count(*) AS pending, min(a.raised_at) AS oldest, max(o.attempts) AS most_attempts
FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id
WHERE o.delivered_at IS NULL
GROUP BY sink ORDER BY sink
