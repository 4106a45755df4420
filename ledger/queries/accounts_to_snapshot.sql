-- Accounts with at least %(every)s events: the ones a snapshot can help.
SELECT target_id FROM events
WHERE target_type = 'account'
GROUP BY target_id
HAVING count(*) >= %(every)s
ORDER BY target_id
