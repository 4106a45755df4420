-- The ledger feed, topic incarnations, the message's key and headers as evidence, and the
-- projector role.

-- ---------------------------------------------------------------------------
-- The feed: every ledger row in one order that never skips a row committed late.
--
-- Each row carries the id of the transaction that wrote it (txid). A reader takes only rows
-- whose txid is below the oldest transaction still running (pg_snapshot_xmin of its own
-- snapshot): every such transaction has ended, so no row can still appear below that
-- horizon. Rows are read in (txid, seq) order, and a consumer's position is the last
-- (txid, seq) it read (ledger/feed.py). Rejected rows draw their seq from the events'
-- sequence, so seq is unique across the ledger tables the feed merges.

ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_feed ON events (txid, seq);

ALTER TABLE rejected ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE rejected ADD COLUMN seq bigint NOT NULL DEFAULT nextval('events_seq_seq');
CREATE INDEX rejected_feed ON rejected (txid, seq);

-- where each feed consumer (projection, detector, tree builder) has read to; written in
-- the same transaction as that consumer's effects
CREATE TABLE feed_positions (
    consumer   text        PRIMARY KEY,
    txid       xid8        NOT NULL,
    seq        bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- Topic incarnations. A topic deleted and created again (a restarted memory broker, a move
-- to a new cluster) starts its offsets again at 0: the same (topic, partition, offset) then
-- names another message. Rows keep the incarnation they were read from; offsets are unique
-- within it. consumer_offsets says which incarnation its next_offset belongs to.

ALTER TABLE events ADD COLUMN incarnation integer NOT NULL DEFAULT 0;
ALTER TABLE events DROP CONSTRAINT events_topic_partition_kafka_offset_key;
ALTER TABLE events ADD CONSTRAINT events_coordinates UNIQUE (topic, partition, incarnation, kafka_offset);

ALTER TABLE rejected ADD COLUMN incarnation integer NOT NULL DEFAULT 0;
ALTER TABLE rejected DROP CONSTRAINT rejected_topic_partition_kafka_offset_key;
ALTER TABLE rejected ADD CONSTRAINT rejected_coordinates UNIQUE (topic, partition, incarnation, kafka_offset);

ALTER TABLE consumer_offsets ADD COLUMN incarnation integer NOT NULL DEFAULT 0;

-- When the writer found that the broker's partition is not the one the ledger read before
-- (its bytes at an offset the ledger holds differ, or its log ends before the ledger's
-- position), it records the change here and reads the new incarnation from its start,
-- deduplicating by event_id. Append-only.
CREATE TABLE topic_incarnations (
    topic           text        NOT NULL,
    partition       integer     NOT NULL,
    incarnation     integer     NOT NULL,   -- the new one
    detected_at     timestamptz NOT NULL DEFAULT now(),
    detected_by     text        NOT NULL,   -- the writer group
    ledger_end      bigint      NOT NULL,   -- one past the highest offset the ledger held of the old one
    broker_start    bigint      NOT NULL,   -- the new incarnation's log start and end when found
    broker_end      bigint      NOT NULL,
    reason          text        NOT NULL,
    PRIMARY KEY (topic, partition, incarnation)
);

-- ---------------------------------------------------------------------------
-- Evidence: the message's key and headers, as received, so a replay can send the message
-- exactly as it arrived. raw_headers is the canonical header encoding of ledger/chain.py.
-- record_version says which canonical record layout a row's hash covers (v1 rows predate
-- this migration; every new row is v2, which also covers incarnation, raw_key and raw_headers).

ALTER TABLE events ADD COLUMN raw_key bytea;
ALTER TABLE events ADD COLUMN raw_headers bytea;
ALTER TABLE events ADD COLUMN record_version smallint NOT NULL DEFAULT 1;
ALTER TABLE events ALTER COLUMN record_version SET DEFAULT 2;
ALTER TABLE rejected ADD COLUMN raw_headers bytea;

-- ---------------------------------------------------------------------------
-- The projector role: keeps derived tables (snapshots, projections) and its feed position.
-- Like the other service roles it can only read the ledger tables.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'auditlog_projector') THEN
        BEGIN
            CREATE ROLE auditlog_projector NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it just now
        END;
    END IF;
END
$$;

-- ledger_refuse_change() (002) serves every append-only table
CREATE TRIGGER topic_incarnations_append_only BEFORE UPDATE OR DELETE ON topic_incarnations
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER topic_incarnations_no_truncate BEFORE TRUNCATE ON topic_incarnations
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

ALTER TABLE feed_positions OWNER TO auditlog_owner;
ALTER TABLE topic_incarnations OWNER TO auditlog_owner;
ALTER TABLE snapshots OWNER TO auditlog_owner;
REVOKE ALL ON feed_positions, topic_incarnations, snapshots FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON topic_incarnations FROM auditlog_owner;

GRANT SELECT, INSERT ON topic_incarnations TO auditlog_writer;
GRANT SELECT ON feed_positions, topic_incarnations, snapshots TO auditlog_reader, auditlog_writer;
-- consumers of the feed that append to the ledger (the detector, later) run as the writer
GRANT INSERT, UPDATE ON feed_positions TO auditlog_writer;

GRANT SELECT ON events, rejected, checkpoints, consumer_offsets, topic_incarnations, schema_migrations
    TO auditlog_projector;
GRANT SELECT, INSERT, UPDATE, DELETE ON snapshots, feed_positions TO auditlog_projector;
GRANT SELECT ON schema_migrations TO auditlog_reader;
