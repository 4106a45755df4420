INSERT INTO snapshots (generation, account, occurred_at, seq, watermark, max_recorded_at, events, state)
VALUES (%(generation)s, %(account)s, %(occurred_at)s, %(seq)s, %(watermark)s, %(max_recorded_at)s, %(events)s,
        %(state)s)
ON CONFLICT (generation, account, occurred_at, seq) DO NOTHING
