-- Actors of the live generation of actors_now (one, or all after a name).
SELECT a.actor, a.kind, a.org, a.onboarded_at, a.offboarded_at, a.engagement_end, a.roles, a.last_action,
       a.last_occurred_at, a.events
FROM actors_now a
WHERE a.generation = (SELECT live FROM projections WHERE name = 'actors_now')
  AND (%(actor)s::text IS NULL OR a.actor = %(actor)s::text)
  AND a.actor > coalesce(%(after)s::text, '')
ORDER BY a.actor
LIMIT %(limit)s
