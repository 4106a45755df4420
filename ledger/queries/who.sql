-- Who did what: event-time order, keyset pagination on (occurred_at, seq). The WHERE clause holds
-- the conditions of the filters given, and only those (ledger/read.py, who_statement): each
-- combination is a statement of its own, which Postgres can plan once for every execution
-- (a generic plan on the right index), where one statement with a condition per filter that
-- might be unset ("the parameter IS NULL OR actor_id = the parameter") was planned again at
-- every execution. known_at: only what the ledger had recorded by then. scoped: only events
-- whose actor's org is one of orgs or whose target is one of accounts (an API token's scope,
-- applied before paging).
SELECT seq, recorded_at, topic, partition, kafka_offset, payload
FROM events
WHERE {filters}
ORDER BY occurred_at, seq
LIMIT %(limit)s
