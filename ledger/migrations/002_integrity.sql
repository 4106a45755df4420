-- Integrity: who may do what to the ledger, triggers that refuse changes, the
-- per-partition hash chain columns, and the signed checkpoints table.
--
-- Roles are cluster-wide while tables are per database, so roles are created only
-- when missing (every database migrated on the same server shares them). The
-- migrating user must be a superuser or have CREATEROLE and be a member of
-- auditlog_owner. The service connects as whatever DATABASE_URL says and then
-- SETs ROLE to auditlog_writer (ingest) or auditlog_reader (every other command);
-- see ledger/roles.py.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['auditlog_owner', 'auditlog_writer', 'auditlog_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database's migration created it just now
            END;
        END IF;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- The hash chain: hash = SHA-256(prev_hash || canonical record), per (topic, partition),
-- in seq order; chain_pos is the row's 1-based position in its chain. The writer
-- computes all three (ledger/chain.py documents the canonical record).

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM events) THEN
        RAISE EXCEPTION 'events were ingested before the hash chain existed and cannot be chained '
                        'afterwards; start a fresh ledger (make reset for the dev one)';
    END IF;
END
$$;

ALTER TABLE events
    ADD COLUMN chain_pos bigint NOT NULL,
    ADD COLUMN prev_hash bytea  NOT NULL,
    ADD COLUMN hash      bytea  NOT NULL;

-- the head of a chain is its highest seq; the writer reads it for every batch
CREATE INDEX events_chain ON events (topic, partition, seq);

-- ---------------------------------------------------------------------------
-- Signed checkpoints: body is canonical JSON of the chain heads and counts, the
-- exact bytes that were signed (Ed25519). Also appended to an export file.

CREATE TABLE checkpoints (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    key_id     text        NOT NULL,   -- hex SHA-256 of the raw public key, first 16 bytes
    body       bytea       NOT NULL,
    signature  bytea       NOT NULL
);

-- ---------------------------------------------------------------------------
-- Append-only, enforced twice: by privileges (below) and by triggers that refuse
-- even the tables' owner. A superuser can still get around both (disable the
-- triggers, session_replication_role = replica): that is what the chain and the
-- signed checkpoints are for.

CREATE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER rejected_append_only BEFORE UPDATE OR DELETE ON rejected
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER rejected_no_truncate BEFORE TRUNCATE ON rejected
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- ---------------------------------------------------------------------------
-- Privileges. The owner (NOLOGIN) owns every table; ALTER needs ownership, so
-- neither service role can ALTER or DROP. The owner itself keeps no UPDATE,
-- DELETE or TRUNCATE on the ledger tables.

ALTER TABLE events OWNER TO auditlog_owner;
ALTER TABLE rejected OWNER TO auditlog_owner;
ALTER TABLE checkpoints OWNER TO auditlog_owner;
ALTER TABLE consumer_offsets OWNER TO auditlog_owner;
ALTER TABLE schema_migrations OWNER TO auditlog_owner;
ALTER FUNCTION ledger_refuse_change() OWNER TO auditlog_owner;

REVOKE ALL ON events, rejected, checkpoints, consumer_offsets, schema_migrations FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON events, rejected, checkpoints FROM auditlog_owner;

GRANT SELECT, INSERT ON events, rejected, checkpoints TO auditlog_writer;
-- the writer picks seq values before COPY, to hash them with the row
GRANT USAGE ON SEQUENCE events_seq_seq TO auditlog_writer;
-- the resume point moves with every batch: the one table the writer may update
GRANT SELECT, INSERT, UPDATE ON consumer_offsets TO auditlog_writer;

GRANT SELECT ON events, rejected, checkpoints, consumer_offsets, schema_migrations TO auditlog_reader;
GRANT SELECT ON schema_migrations TO auditlog_writer;

-- tables later migrations create are readable by both service roles by default
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO auditlog_reader, auditlog_writer;
