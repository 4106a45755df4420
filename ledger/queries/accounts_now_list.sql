-- Accounts of the live generation of accounts_now, filtered by protected flag and status
-- (each optional); "protected and deactivated" is one scan of accounts_now_protected_status.
SELECT a.account, a.status, a.protected, a.last_event_id::text AS last_event_id, a.last_action, a.last_actor,
       a.last_occurred_at, a.status_since_at, a.status_since_by, a.events
FROM accounts_now a
WHERE a.generation = (SELECT live FROM projections WHERE name = 'accounts_now')
  AND (%(protected)s::boolean IS NULL OR a.protected = %(protected)s::boolean)
  AND (%(status)s::text IS NULL OR a.status = %(status)s::text)
  AND a.account > coalesce(%(after)s::text, '')
ORDER BY a.account
LIMIT %(limit)s
