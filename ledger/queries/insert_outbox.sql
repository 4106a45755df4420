-- An alert waiting for a sink to deliver it.
INSERT INTO alert_outbox (alert_id, sink) VALUES (%(alert_id)s, %(sink)s)
