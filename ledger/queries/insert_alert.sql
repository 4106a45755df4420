-- An alert with its place in the alert chain (computed under the alert chain's lock).
INSERT INTO alerts (id, seq, rule, severity, event_id, event_seq, actor_id, target_id, occurred_at, summary,
                    related_event_id, linked_alert_id, late, raised_at, chain_pos, prev_hash, hash)
VALUES (%(id)s, %(seq)s, %(rule)s, %(severity)s, %(event_id)s, %(event_seq)s, %(actor_id)s, %(target_id)s,
        %(occurred_at)s, %(summary)s, %(related_event_id)s, %(linked_alert_id)s, %(late)s, %(raised_at)s,
        %(chain_pos)s, %(prev_hash)s, %(hash)s)
