-- Accounts' new states in one generation of accounts_now, one array per column.
INSERT INTO accounts_now (generation, account, status, protected, last_event_id, last_action, last_actor,
                          last_occurred_at, status_since_at, status_since_by, fold_time, fold_seq, events, state)
SELECT %(generation)b, a.account, a.status, a.protected, a.last_event_id::uuid, a.last_action, a.last_actor,
       a.last_occurred_at, a.status_since_at, a.status_since_by, a.fold_time, a.fold_seq, a.events, a.state::jsonb
FROM unnest(%(account)b::text[], %(status)b::text[], %(protected)b::boolean[], %(last_event_id)b::text[],
            %(last_action)b::text[], %(last_actor)b::text[], %(last_occurred_at)b::timestamptz[],
            %(status_since_at)b::timestamptz[], %(status_since_by)b::text[], %(fold_time)b::timestamptz[],
            %(fold_seq)b::bigint[], %(events)b::integer[], %(state)b::text[])
     AS a(account, status, protected, last_event_id, last_action, last_actor, last_occurred_at, status_since_at,
          status_since_by, fold_time, fold_seq, events, state)
ON CONFLICT (generation, account) DO UPDATE SET
    status = EXCLUDED.status, protected = EXCLUDED.protected, last_event_id = EXCLUDED.last_event_id,
    last_action = EXCLUDED.last_action, last_actor = EXCLUDED.last_actor,
    last_occurred_at = EXCLUDED.last_occurred_at, status_since_at = EXCLUDED.status_since_at,
    status_since_by = EXCLUDED.status_since_by, fold_time = EXCLUDED.fold_time, fold_seq = EXCLUDED.fold_seq,
    events = EXCLUDED.events, state = EXCLUDED.state
