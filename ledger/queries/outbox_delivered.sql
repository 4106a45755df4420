UPDATE alert_outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL
WHERE alert_id = %(alert_id)s AND sink = %(sink)s
