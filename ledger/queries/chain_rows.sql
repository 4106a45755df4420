-- Every event in ledger order, as ledger/chain.py's ROW_COLUMNS, then record_version, prev_hash and hash.
-- (verify reads chain_records.sql, records made on the server; tests hold them to chain.record() of these rows.)
-- Times as exact microseconds since the epoch (extract gives numeric), the uuid as its 16 bytes.
SELECT seq, partition, kafka_offset, chain_pos,
       (extract(epoch FROM occurred_at) * 1000000)::bigint,
       (extract(epoch FROM recorded_at) * 1000000)::bigint,
       incarnation,
       uuid_send(event_id),
       topic, actor_id, actor_kind, actor_org, action, target_type, target_id, reason, ticket,
       payload::text, raw_value, schema_fingerprint, raw_key, raw_headers,
       record_version, prev_hash, hash
FROM events
ORDER BY seq
