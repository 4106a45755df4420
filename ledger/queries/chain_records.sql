-- Every event in ledger order as verify reads it: topic, partition, seq, kafka_offset,
-- chain_pos, the row's canonical record (ledger/chain.py), prev_hash and hash.
--
-- The server builds the record's bytes, so the client only hashes them (SHA-256 stays
-- client-side). That asks no more trust than before: verify already relies on Postgres
-- to return the stored values, and these bytes are made from them by built-in functions
-- only. tests/integration/test_verify.py holds them equal to chain.record() of the same rows.
--
-- int64: int8send. Field: 4-byte length then the bytes, coalesced to FF FF FF FF for NULL
-- (on every field, so a NULL forced into a NOT NULL column is a changed row, not a NULL record).
-- Text is converted to UTF-8 once, in the subquery (OFFSET 0 keeps the planner from
-- inlining it and converting twice), so lengths are UTF-8 lengths whatever the server encoding.
-- record_version 1 rows (before migration 004) keep their layout: no incarnation, key or
-- headers, and their own magic; a version that is neither makes an empty record, which no
-- hash matches.
SELECT topic, partition, seq, kafka_offset, chain_pos,
       -- coalesce: a NULL forced into an integer column makes the record NULL; hashing
       -- nothing then fails to match, so the row is reported as changed instead of crashing verify
       coalesce(CASE record_version
                    WHEN 2 THEN '\x61756469746c6f672e6576656e74732e763200'::bytea  -- b"auditlog.events.v2\0"
                    WHEN 1 THEN '\x61756469746c6f672e6576656e74732e763100'::bytea  -- b"auditlog.events.v1\0"
                END
       || int8send(seq) || int8send(partition) || int8send(kafka_offset) || int8send(chain_pos)
       || int8send(occurred_us) || int8send(recorded_us)
       || CASE WHEN record_version = 1 THEN '\x'::bytea ELSE int8send(incarnation) END
       || uuid_send(event_id)
       || coalesce(int4send(length(topic_utf8)) || topic_utf8, '\xffffffff')
       || coalesce(int4send(length(actor_id_utf8)) || actor_id_utf8, '\xffffffff')
       || coalesce(int4send(length(actor_kind_utf8)) || actor_kind_utf8, '\xffffffff')
       || coalesce(int4send(length(actor_org_utf8)) || actor_org_utf8, '\xffffffff')
       || coalesce(int4send(length(action_utf8)) || action_utf8, '\xffffffff')
       || coalesce(int4send(length(target_type_utf8)) || target_type_utf8, '\xffffffff')
       || coalesce(int4send(length(target_id_utf8)) || target_id_utf8, '\xffffffff')
       || coalesce(int4send(length(reason_utf8)) || reason_utf8, '\xffffffff')
       || coalesce(int4send(length(ticket_utf8)) || ticket_utf8, '\xffffffff')
       || coalesce(int4send(length(payload_utf8)) || payload_utf8, '\xffffffff')
       || coalesce(int4send(length(raw_value)) || raw_value, '\xffffffff')
       || coalesce(int4send(length(schema_fingerprint)) || schema_fingerprint, '\xffffffff')
       || CASE WHEN record_version = 1 THEN '\x'::bytea
               ELSE coalesce(int4send(length(raw_key)) || raw_key, '\xffffffff')
                    || coalesce(int4send(length(raw_headers)) || raw_headers, '\xffffffff') END, '\x'),
       prev_hash, hash
FROM (
    SELECT seq, partition, kafka_offset, chain_pos, incarnation, event_id, topic, raw_value, schema_fingerprint,
           raw_key, raw_headers, record_version, prev_hash, hash,
           -- exact microseconds since the epoch (extract gives numeric)
           (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_us,
           (extract(epoch FROM recorded_at) * 1000000)::bigint AS recorded_us,
           convert_to(topic, 'UTF8') AS topic_utf8,
           convert_to(actor_id, 'UTF8') AS actor_id_utf8,
           convert_to(actor_kind, 'UTF8') AS actor_kind_utf8,
           convert_to(actor_org, 'UTF8') AS actor_org_utf8,
           convert_to(action, 'UTF8') AS action_utf8,
           convert_to(target_type, 'UTF8') AS target_type_utf8,
           convert_to(target_id, 'UTF8') AS target_id_utf8,
           convert_to(reason, 'UTF8') AS reason_utf8,
           convert_to(ticket, 'UTF8') AS ticket_utf8,
           convert_to(payload::text, 'UTF8') AS payload_utf8  -- the jsonb's printed text is what was hashed
    FROM events
    ORDER BY seq
    OFFSET 0
) AS e
ORDER BY seq
