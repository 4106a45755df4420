-- Access: the API's tokens and their revocations, and the reads log (every read of ledger
-- contents, recorded before it is answered), a ledger record kind (ledger/kinds.py).

-- ---------------------------------------------------------------------------
-- Tokens. Only the SHA-256 of a token's text is stored, never the text. A token is never
-- changed: its revocation is a row of token_revocations (append-only like the ledger), so who
-- revoked what and when stays on the record, and no service role needs UPDATE on tokens.

CREATE TABLE tokens (
    id         text        NOT NULL PRIMARY KEY CHECK (id ~ '^tok_[A-Za-z0-9_-]{8,64}$'),
    role       text        NOT NULL CHECK (role IN ('investigator', 'oncall', 'auditor', 'admin')),
    scopes     text[]      NOT NULL DEFAULT '{}',  -- 'org=ORG', 'account=ID'; empty: unscoped
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text        NOT NULL,
    expires_at timestamptz NOT NULL,
    token_hash bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32)
);

CREATE TABLE token_revocations (
    token_id   text        NOT NULL PRIMARY KEY,  -- once is enough: a second revoke is a no-op
    revoked_at timestamptz NOT NULL DEFAULT now(),
    revoked_by text        NOT NULL
);

CREATE TRIGGER tokens_append_only BEFORE UPDATE OR DELETE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER tokens_no_truncate BEFORE TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER token_revocations_append_only BEFORE UPDATE OR DELETE ON token_revocations
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER token_revocations_no_truncate BEFORE TRUNCATE ON token_revocations
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- ---------------------------------------------------------------------------
-- The reads log: who read what, for which case, from where. One hash chain for all reads.
-- params is the request's parameters as canonical JSON text (sorted keys), so the record's
-- bytes are the text as written, not Postgres' printing of a jsonb.

CREATE TABLE reads (
    seq       bigint      NOT NULL DEFAULT nextval('events_seq_seq') PRIMARY KEY,
    txid      xid8        NOT NULL DEFAULT pg_current_xact_id(),
    read_at   timestamptz NOT NULL,
    token_id  text,                  -- NULL: the CLI
    role      text        NOT NULL,
    case_id   text,
    route     text        NOT NULL,
    params    text        NOT NULL,
    client    text        NOT NULL,  -- the client's address, or the OS user of the CLI
    chain_pos bigint      NOT NULL,
    prev_hash bytea       NOT NULL,
    hash      bytea       NOT NULL
);
CREATE INDEX reads_feed ON reads (txid, seq);
CREATE INDEX reads_case ON reads (case_id, read_at);
CREATE INDEX reads_token ON reads (token_id, read_at);
CREATE INDEX reads_time ON reads (read_at);

CREATE FUNCTION ledger_record(r reads) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        '\x61756469746c6f672e726561642e763100'::bytea  -- b"auditlog.read.v1\0"
        || int8send(r.seq) || int8send(r.chain_pos) || ledger_micros(r.read_at)
        || ledger_text(r.token_id) || ledger_text(r.role) || ledger_text(r.case_id)
        || ledger_text(r.route) || ledger_text(r.params) || ledger_text(r.client),
        '\x'::bytea)
$$;

CREATE TRIGGER reads_append_only BEFORE UPDATE OR DELETE ON reads
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER reads_no_truncate BEFORE TRUNCATE ON reads
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- ---------------------------------------------------------------------------
-- Privileges.

ALTER TABLE tokens OWNER TO auditlog_owner;
ALTER TABLE token_revocations OWNER TO auditlog_owner;
ALTER TABLE reads OWNER TO auditlog_owner;
ALTER FUNCTION ledger_record(reads) OWNER TO auditlog_owner;
REVOKE ALL ON tokens, token_revocations, reads FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON tokens, token_revocations, reads FROM auditlog_owner;

GRANT SELECT, INSERT ON tokens, token_revocations, reads TO auditlog_writer;
GRANT SELECT ON tokens, token_revocations, reads TO auditlog_reader, auditlog_projector;
-- whoever may read the ledger must be able to put the read on the record: the reader role appends
-- to the reads log (and to nothing else), so a reader-only login's reads are recorded too
GRANT INSERT ON reads TO auditlog_reader;
GRANT USAGE ON SEQUENCE events_seq_seq TO auditlog_reader;
