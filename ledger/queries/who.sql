-- Who did what: every filter optional, event-time order, keyset pagination on (occurred_at, seq).
-- known_at: only what the ledger had recorded by then. scoped: only events whose actor's org is
-- one of orgs or whose target is one of accounts (an API token's scope, applied before paging).
SELECT seq, recorded_at, topic, partition, kafka_offset, payload
FROM events
WHERE (%(actor)s::text IS NULL OR actor_id = %(actor)s::text)
  AND (%(actor_kind)s::text IS NULL OR actor_kind = %(actor_kind)s::text)
  AND (%(org)s::text IS NULL OR actor_org = %(org)s::text)
  AND (%(target)s::text IS NULL OR target_id = %(target)s::text)
  AND (%(action)s::text IS NULL OR action = %(action)s::text)
  AND (%(from)s::timestamptz IS NULL OR occurred_at >= %(from)s::timestamptz)
  AND (%(to)s::timestamptz IS NULL OR occurred_at <= %(to)s::timestamptz)
  AND (%(known_at)s::timestamptz IS NULL OR recorded_at <= %(known_at)s::timestamptz)
  AND (NOT %(scoped)s::boolean
       OR actor_org = ANY(%(orgs)s::text[]) OR target_id = ANY(%(accounts)s::text[]))
  AND (%(after_time)s::timestamptz IS NULL
       OR (occurred_at, seq) > (%(after_time)s::timestamptz, %(after_seq)s::bigint))
ORDER BY occurred_at, seq
LIMIT %(limit)s
