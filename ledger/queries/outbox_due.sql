-- Alerts a sink has yet to deliver whose next attempt is due, oldest first. Not locked: one
-- detector delivers (its feed claim), and delivery happens outside any transaction, so a slow
-- sink never holds back the feed's horizon.
SELECT o.alert_id, o.attempts
FROM alert_outbox o
WHERE o.sink = %(sink)s AND o.delivered_at IS NULL AND o.next_attempt <= now()
ORDER BY o.alert_id
LIMIT %(limit)s
