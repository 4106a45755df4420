-- The ledger as a transparency log: a hash chain for every record kind (rejected messages and
-- bundle seals join the events), SQL functions that build each kind's canonical record, the
-- Merkle tree the tree builder keeps (its leaves, tiles and heads), and tree checkpoints
-- (c2sp.org/tlog-checkpoint signed notes) in the checkpoints table. See ledger/kinds.py.
-- Needs nothing of migration 005.

-- ---------------------------------------------------------------------------
-- Canonical records built by the server, one function per kind (the tree builder and verify
-- read them made; tests hold them equal to ledger/chain.py and ledger/records.py byte for byte).
-- A field is a 4-byte big-endian length and the bytes, or FF FF FF FF for NULL; int64 is
-- int8send; times are microseconds since the epoch. coalesce(..., '\x'): a NULL forced into a
-- NOT NULL column makes a record no hash matches instead of a NULL.

CREATE FUNCTION ledger_field(value bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(int4send(length(value)) || value, '\xffffffff'::bytea)
$$;

-- a text field in UTF-8. In a UTF8 database (devstack's initdb, and every one we know of) the
-- length is the text's octet_length, so the text is converted once, not twice (length() and
-- the bytes): a third of the record's cost in the tree builder's read. Any other encoding
-- converts first and measures the bytes. STABLE like convert_to, so the planner inlines it.
DO $do$
BEGIN
    IF current_setting('server_encoding') = 'UTF8' THEN
        CREATE FUNCTION ledger_text(value text) RETURNS bytea
        LANGUAGE sql STABLE PARALLEL SAFE AS $f$
            SELECT coalesce(int4send(octet_length(value)) || convert_to(value, 'UTF8'), '\xffffffff'::bytea)
        $f$;
    ELSE
        CREATE FUNCTION ledger_text(value text) RETURNS bytea
        LANGUAGE sql STABLE PARALLEL SAFE AS $f$
            SELECT ledger_field(convert_to(value, 'UTF8'))
        $f$;
    END IF;
END
$do$;

-- a jsonb field: its printed text (what the chain hashed) in UTF-8. In plpgsql, so the text is
-- printed once: an inlined SQL function would print it twice (for the length and the bytes),
-- and printing a payload is the costliest part of an event's record (~10% of the leaves query).
CREATE FUNCTION ledger_json(value jsonb) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    data bytea := convert_to(value::text, 'UTF8');
BEGIN
    RETURN coalesce(int4send(length(data)) || data, '\xffffffff'::bytea);
END
$$;

-- STABLE as its body is (extract from a timestamptz): an IMMUTABLE function over a STABLE body
-- is never inlined, and a SQL function called per row costs more than all the record's bytes
CREATE FUNCTION ledger_micros(moment timestamptz) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT int8send((extract(epoch FROM moment) * 1000000)::bigint)
$$;

-- an event's record, version 1 or 2 (ledger/chain.py)
CREATE FUNCTION ledger_record(e events) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        CASE e.record_version
            WHEN 2 THEN '\x61756469746c6f672e6576656e74732e763200'::bytea  -- b"auditlog.events.v2\0"
            WHEN 1 THEN '\x61756469746c6f672e6576656e74732e763100'::bytea  -- b"auditlog.events.v1\0"
        END
        || int8send(e.seq) || int8send(e.partition::bigint) || int8send(e.kafka_offset) || int8send(e.chain_pos)
        || ledger_micros(e.occurred_at) || ledger_micros(e.recorded_at)
        || CASE WHEN e.record_version = 1 THEN '\x'::bytea ELSE int8send(e.incarnation::bigint) END
        || uuid_send(e.event_id)
        || ledger_text(e.topic) || ledger_text(e.actor_id)
        || ledger_text(e.actor_kind) || ledger_text(e.actor_org)
        || ledger_text(e.action) || ledger_text(e.target_type)
        || ledger_text(e.target_id) || ledger_text(e.reason)
        || ledger_text(e.ticket) || ledger_json(e.payload)
        || ledger_field(e.raw_value) || ledger_field(e.schema_fingerprint)
        || CASE WHEN e.record_version = 1 THEN '\x'::bytea
                ELSE ledger_field(e.raw_key) || ledger_field(e.raw_headers) END,
        '\x'::bytea)
$$;

-- ---------------------------------------------------------------------------
-- Rejected messages get a hash chain per (topic, partition), like the events' but of their own.
-- Rows written before this migration have none (NULL chain columns): the triggers refuse to
-- update an append-only table, and the owner holds no UPDATE on it, so they cannot be chained
-- afterwards; verify counts them, and the Merkle tree covers them all the same.

ALTER TABLE rejected
    ADD COLUMN chain_pos bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash      bytea;
CREATE INDEX rejected_chain ON rejected (topic, partition, seq);

CREATE FUNCTION ledger_record(r rejected) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        '\x61756469746c6f672e72656a65637465642e763100'::bytea  -- b"auditlog.rejected.v1\0"
        || int8send(r.seq) || int8send(r.id) || int8send(r.partition::bigint) || int8send(r.kafka_offset)
        || int8send(r.chain_pos) || ledger_micros(r.received_at) || int8send(r.incarnation::bigint)
        || ledger_text(r.topic) || ledger_text(r.reason)
        || ledger_field(r.raw_key) || ledger_field(r.raw_value) || ledger_field(r.raw_headers),
        '\x'::bytea)
$$;

-- the writer gives a rejected row its id before the insert: the id is inside the record
GRANT USAGE ON SEQUENCE rejected_id_seq TO auditlog_writer;

-- ---------------------------------------------------------------------------
-- Seals: a bundle asks the ledger to record "a bundle of SUBJECT was made now" before it is
-- made. The tree builder gives the seal's leaf the index of the subject's previous leaf, so a
-- bundle proves it holds every event of its account up to the seal (README: "Evidence").
-- One hash chain for all seals.

CREATE TABLE seals (
    seq          bigint      NOT NULL DEFAULT nextval('events_seq_seq') PRIMARY KEY,
    txid         xid8        NOT NULL DEFAULT pg_current_xact_id(),
    subject      text        NOT NULL,
    purpose      text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    chain_pos    bigint      NOT NULL,
    prev_hash    bytea       NOT NULL,
    hash         bytea       NOT NULL
);
CREATE INDEX seals_feed ON seals (txid, seq);

CREATE FUNCTION ledger_record(s seals) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        '\x61756469746c6f672e7365616c2e763100'::bytea  -- b"auditlog.seal.v1\0"
        || int8send(s.seq) || int8send(s.chain_pos) || ledger_micros(s.requested_at)
        || ledger_text(s.subject) || ledger_text(s.purpose),
        '\x'::bytea)
$$;

CREATE TRIGGER seals_append_only BEFORE UPDATE OR DELETE ON seals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER seals_no_truncate BEFORE TRUNCATE ON seals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- ---------------------------------------------------------------------------
-- The Merkle tree (RFC 6962 hashing) over every ledger row in feed order, kept by the tree
-- builder (consumers/tree_builder.py) as the writer role, in the same transaction as its feed
-- position. Derived from the ledger (verify rebuilds it and compares), so these are not
-- append-only by trigger; no service role may UPDATE or DELETE them all the same.

-- one row per leaf: which ledger row it is, its subject and the previous leaf of that subject
CREATE TABLE tree_leaves (
    idx      bigint NOT NULL PRIMARY KEY,  -- the leaf index, 0-based, in feed order
    seq      bigint NOT NULL UNIQUE,        -- the ledger row (seq is unique across the ledger tables)
    kind     text   NOT NULL,
    subject  text,                          -- an event's target_id, a seal's subject; NULL: none
    prev_idx bigint NOT NULL                -- the subject's previous leaf, -1 if none
);
CREATE INDEX tree_leaves_subject ON tree_leaves (subject, idx) WHERE subject IS NOT NULL;

-- c2sp.org/tlog-tiles: level >= 0 is a hash tile (level L holds the tree's nodes at height 8L),
-- level -1 an entries bundle; width 256 is a full tile, 1..255 a partial one. Written once:
-- full tiles as the tree grows, partial ones at each size the builder commits.
CREATE TABLE tree_tiles (
    level smallint NOT NULL,
    n     bigint   NOT NULL,
    width smallint NOT NULL,
    data  bytea    NOT NULL,
    PRIMARY KEY (level, n, width)
);
ALTER TABLE tree_tiles ALTER COLUMN data SET STORAGE EXTERNAL;  -- hashes do not compress

-- every size the builder committed, with its root: a checkpoint signs one of these
CREATE TABLE tree_heads (
    size     bigint      NOT NULL PRIMARY KEY,
    root     bytea       NOT NULL,
    built_at timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- Tree checkpoints live beside the chain checkpoints: kind 'tree' rows hold the signed note's
-- text as body (the exact bytes signed) and the Ed25519 signature; kind 'chains' rows are the
-- JSON bodies of before (the default keeps every old row what it was).

ALTER TABLE checkpoints
    ADD COLUMN kind      text   NOT NULL DEFAULT 'chains',
    ADD COLUMN tree_size bigint,
    ADD COLUMN root_hash bytea;
CREATE INDEX checkpoints_tree ON checkpoints (tree_size) WHERE kind = 'tree';

-- ---------------------------------------------------------------------------
-- Privileges.

ALTER TABLE seals OWNER TO auditlog_owner;
ALTER TABLE tree_leaves OWNER TO auditlog_owner;
ALTER TABLE tree_tiles OWNER TO auditlog_owner;
ALTER TABLE tree_heads OWNER TO auditlog_owner;
ALTER FUNCTION ledger_field(bytea) OWNER TO auditlog_owner;
ALTER FUNCTION ledger_text(text) OWNER TO auditlog_owner;
ALTER FUNCTION ledger_json(jsonb) OWNER TO auditlog_owner;
ALTER FUNCTION ledger_micros(timestamptz) OWNER TO auditlog_owner;
ALTER FUNCTION ledger_record(events) OWNER TO auditlog_owner;
ALTER FUNCTION ledger_record(rejected) OWNER TO auditlog_owner;
ALTER FUNCTION ledger_record(seals) OWNER TO auditlog_owner;
REVOKE ALL ON seals, tree_leaves, tree_tiles, tree_heads FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON seals FROM auditlog_owner;

GRANT SELECT, INSERT ON seals, tree_leaves, tree_tiles, tree_heads TO auditlog_writer;
GRANT SELECT ON seals, tree_leaves, tree_tiles, tree_heads TO auditlog_reader, auditlog_projector;
