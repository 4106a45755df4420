-- Alerts matching the filters (NULL: any), oldest event first, with their acknowledgements and
-- the time the event was recorded (detection delay = raised_at - recorded_at).
SELECT a.id, a.rule, a.severity, a.event_id::text AS event_id, a.actor_id, a.target_id, a.occurred_at,
       a.summary, a.related_event_id::text AS related_event_id, a.linked_alert_id, a.late, a.raised_at,
       e.recorded_at,
       coalesce((SELECT json_agg(json_build_object('note', k.note, 'acked_by', k.acked_by,
                                                   'acked_at', k.acked_at) ORDER BY k.seq)
                 FROM alert_acks k WHERE k.alert_id = a.id), '[]'::json) AS acks
FROM alerts a
LEFT JOIN events e ON e.seq = a.event_seq
WHERE (%(target)s::text IS NULL OR a.target_id = %(target)s)
  AND (%(actor)s::text IS NULL OR a.actor_id = %(actor)s)
  AND (%(rule)s::text IS NULL OR a.rule = %(rule)s)
  AND (%(severities)s::text[] IS NULL OR a.severity = ANY(%(severities)s::text[]))
  AND (%(start)s::timestamptz IS NULL OR a.occurred_at >= %(start)s)
  AND (%(end)s::timestamptz IS NULL OR a.occurred_at <= %(end)s)
  AND (%(alert_ids)s::bigint[] IS NULL OR a.id = ANY(%(alert_ids)s::bigint[]))
  AND (NOT %(scoped)s OR e.actor_org = ANY(%(scope_orgs)s::text[]) OR a.target_id = ANY(%(scope_accounts)s::text[]))
ORDER BY a.occurred_at, a.id
LIMIT %(limit)s
