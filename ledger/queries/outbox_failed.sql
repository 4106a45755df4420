-- A failed delivery: try again after %(delay_s)s seconds.
UPDATE alert_outbox SET attempts = attempts + 1, last_error = %(error)s,
                        next_attempt = now() + make_interval(secs => %(delay_s)s)
WHERE alert_id = %(alert_id)s AND sink = %(sink)s
