-- Events with what the detector's rules read of them (ledger/judged.py adds which ones: every one
-- in feed order up to a position, or one actor's since a moment before a position). The whole
-- payload only where a rule or a fold needs more than the columns (actor events: kind, org,
-- engagement end, roles; account creation; a v2 approval); of an account update only whether it
-- renames (its handle change), worked out by the server.
SELECT txid::text::bigint AS txid, seq, event_id::text, occurred_at, actor_id, actor_kind, actor_org, action,
       target_type, target_id, ticket,
       CASE WHEN action LIKE 'actor.%%' OR action = 'account.create'
                 OR jsonb_typeof(payload->'approval') = 'object' THEN payload::text END AS payload,
       action = 'account.update' AND payload->'changes' @> '[{"field": "handle"}]' AS renames,
       CASE WHEN action = 'account.update' THEN
           (SELECT c->>'new' FROM jsonb_array_elements(payload->'changes') c WHERE c->>'field' = 'handle' LIMIT 1)
       END AS new_handle
FROM events
