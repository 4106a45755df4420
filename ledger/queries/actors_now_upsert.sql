-- Actors' new states in one generation of actors_now, one array per column.
INSERT INTO actors_now (generation, actor, kind, org, onboarded_at, offboarded_at, engagement_end, roles,
                        last_action, last_occurred_at, fold_time, fold_seq, events, state)
SELECT %(generation)b, a.actor, a.kind, a.org, a.onboarded_at, a.offboarded_at, a.engagement_end,
       ARRAY(SELECT jsonb_array_elements_text(a.roles::jsonb)), a.last_action, a.last_occurred_at, a.fold_time, a.fold_seq, a.events,
       a.state::jsonb
FROM unnest(%(actor)b::text[], %(kind)b::text[], %(org)b::text[], %(onboarded_at)b::timestamptz[],
            %(offboarded_at)b::timestamptz[], %(engagement_end)b::timestamptz[], %(roles)b::text[],
            %(last_action)b::text[], %(last_occurred_at)b::timestamptz[], %(fold_time)b::timestamptz[],
            %(fold_seq)b::bigint[], %(events)b::integer[], %(state)b::text[])
     AS a(actor, kind, org, onboarded_at, offboarded_at, engagement_end, roles, last_action, last_occurred_at,
          fold_time, fold_seq, events, state)
ON CONFLICT (generation, actor) DO UPDATE SET
    kind = EXCLUDED.kind, org = EXCLUDED.org, onboarded_at = EXCLUDED.onboarded_at,
    offboarded_at = EXCLUDED.offboarded_at, engagement_end = EXCLUDED.engagement_end, roles = EXCLUDED.roles,
    last_action = EXCLUDED.last_action, last_occurred_at = EXCLUDED.last_occurred_at,
    fold_time = EXCLUDED.fold_time, fold_seq = EXCLUDED.fold_seq, events = EXCLUDED.events, state = EXCLUDED.state
