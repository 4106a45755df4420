-- On call: projections that rebuild beside the live one, and the resolutions of re-driven
-- rejected messages.

-- ---------------------------------------------------------------------------
-- Projections. Each has generations: readers see the rows of the live one only; a rebuild
-- fills the next generation beside it from the feed and then, in one transaction, makes it
-- live (and drops the old one), so no reader ever sees a half-built projection. The live
-- generation's feed position is feed_positions[name]; a rebuild's is feed_positions[name#rebuild].
-- A projector applying a batch holds this row FOR SHARE, the swap holds it FOR UPDATE.
CREATE TABLE projections (
    name       text    PRIMARY KEY,
    live       integer NOT NULL,
    building   integer,            -- the generation a rebuild is filling (NULL: none)
    swapped_at timestamptz
);
INSERT INTO projections (name, live) VALUES ('accounts_now', 1), ('actors_now', 1), ('snapshots', 1);

-- Every account's current state: the fold of all its events in (occurred_at, seq) order.
-- (occurred_at, seq) of the last event folded is the fold point: an event before it arrived
-- late, and the account is folded again from the ledger.
CREATE TABLE accounts_now (
    generation       integer     NOT NULL,
    account          text        NOT NULL,
    status           text        NOT NULL,
    protected        boolean     NOT NULL,
    last_event_id    uuid,
    last_action      text,
    last_actor       text,
    last_occurred_at timestamptz,
    status_since_at  timestamptz,
    status_since_by  text,
    fold_time        timestamptz NOT NULL,
    fold_seq         bigint      NOT NULL,
    events           integer     NOT NULL,
    state            jsonb       NOT NULL,  -- domain.account.state_to_plain
    PRIMARY KEY (generation, account)
);
-- "every protected account that is deactivated right now": one index scan
CREATE INDEX accounts_now_protected_status ON accounts_now (generation, status, account) WHERE protected;
CREATE INDEX accounts_now_status ON accounts_now (generation, status, account);

-- Every actor's current state: kind, org, engagement, roles.
CREATE TABLE actors_now (
    generation       integer     NOT NULL,
    actor            text        NOT NULL,
    kind             text,
    org              text,
    onboarded_at     timestamptz,
    offboarded_at    timestamptz,
    engagement_end   timestamptz,
    roles            text[]      NOT NULL,
    last_action      text,
    last_occurred_at timestamptz,
    fold_time        timestamptz NOT NULL,
    fold_seq         bigint      NOT NULL,
    events           integer     NOT NULL,
    state            jsonb       NOT NULL,  -- domain.actor.actor_to_plain
    PRIMARY KEY (generation, actor)
);

-- Snapshots get generations too: a rebuild writes the next one beside the live one.
ALTER TABLE snapshots ADD COLUMN generation integer NOT NULL DEFAULT 1;
ALTER TABLE snapshots DROP CONSTRAINT snapshots_pkey;
ALTER TABLE snapshots ADD PRIMARY KEY (generation, account, occurred_at, seq);

-- ---------------------------------------------------------------------------
-- Re-drive: a rejected message that today's decoder accepts is appended as an event through
-- the writer's append path; the rejected row stays as it is, and its resolution is recorded
-- here, once (the primary key makes two racing re-drives resolve it once). Append-only.
CREATE TABLE rejected_resolutions (
    rejected_id bigint      PRIMARY KEY,        -- a rejected.id (no foreign key: TRUNCATE of rejected must meet its trigger)
    resolved_at timestamptz NOT NULL DEFAULT now(),
    outcome     text        NOT NULL CHECK (outcome IN ('appended', 'duplicate')),
    event_id    uuid        NOT NULL,  -- the event it became (or already was)
    resolved_by text        NOT NULL
);
CREATE INDEX rejected_received ON rejected (received_at, id);

CREATE TRIGGER rejected_resolutions_append_only BEFORE UPDATE OR DELETE ON rejected_resolutions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER rejected_resolutions_no_truncate BEFORE TRUNCATE ON rejected_resolutions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- ---------------------------------------------------------------------------
-- Privileges.
ALTER TABLE projections OWNER TO auditlog_owner;
ALTER TABLE accounts_now OWNER TO auditlog_owner;
ALTER TABLE actors_now OWNER TO auditlog_owner;
ALTER TABLE rejected_resolutions OWNER TO auditlog_owner;
REVOKE ALL ON projections, accounts_now, actors_now, rejected_resolutions FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON rejected_resolutions FROM auditlog_owner;

GRANT SELECT ON projections, accounts_now, actors_now, rejected_resolutions
    TO auditlog_reader, auditlog_writer, auditlog_projector;
GRANT UPDATE ON projections TO auditlog_projector;
GRANT INSERT, UPDATE, DELETE ON accounts_now, actors_now TO auditlog_projector;
GRANT INSERT ON rejected_resolutions TO auditlog_writer;
