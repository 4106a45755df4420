-- The stored state of some actors in one generation of actors_now.
SELECT actor, state, fold_time, fold_seq FROM actors_now
WHERE generation = %(generation)s AND actor = ANY(%(actors)s::text[])
