-- The account's last snapshot (of one generation) in fold order: where a refresh starts folding from.
SELECT occurred_at, seq, max_recorded_at, state
FROM snapshots
WHERE generation = %(generation)s AND account = %(account)s
ORDER BY occurred_at DESC, seq DESC
LIMIT 1
