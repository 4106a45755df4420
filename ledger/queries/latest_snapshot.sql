-- The account's last snapshot in fold order: where a refresh starts folding from.
SELECT occurred_at, seq, max_recorded_at, state
FROM snapshots
WHERE account = %(account)s
ORDER BY occurred_at DESC, seq DESC
LIMIT 1
