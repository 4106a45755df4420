-- Detection: the alerts the detector raises and their acknowledgements, both ledger kinds
-- (append-only, chained, in the feed, the Merkle tree and the checkpoints: ledger/kinds.py), and
-- the outbox the alert sinks (webhook, Kafka topic) deliver from.

-- ---------------------------------------------------------------------------
-- One row per (rule, event): the detector inserts with ON CONFLICT DO NOTHING in the transaction
-- that stores its feed position, so a rule alerts at most once for an event, kill -9 or not.
-- One hash chain for all alerts.

CREATE TABLE alerts (
    id               bigint      NOT NULL PRIMARY KEY,
    seq              bigint      NOT NULL DEFAULT nextval('events_seq_seq') UNIQUE,
    txid             xid8        NOT NULL DEFAULT pg_current_xact_id(),
    rule             text        NOT NULL,
    severity         text        NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    event_id         uuid        NOT NULL,
    event_seq        bigint      NOT NULL,  -- the ledger row of the event that raised it
    actor_id         text        NOT NULL,
    target_id        text        NOT NULL,
    occurred_at      timestamptz NOT NULL,  -- the event's
    summary          text        NOT NULL,
    related_event_id uuid,                  -- quick reversal: the event it undid
    linked_alert_id  bigint,                -- the first alert raised for that event, if any
    late             boolean     NOT NULL,  -- raised by an event that arrived after the ones it judges
    raised_at        timestamptz NOT NULL,
    chain_pos        bigint      NOT NULL,
    prev_hash        bytea       NOT NULL,
    hash             bytea       NOT NULL,
    UNIQUE (rule, event_id)
);
CREATE INDEX alerts_feed ON alerts (txid, seq);
CREATE INDEX alerts_target ON alerts (target_id, occurred_at);
CREATE INDEX alerts_actor ON alerts (actor_id, occurred_at);
CREATE INDEX alerts_event ON alerts (event_id);
CREATE SEQUENCE alerts_id_seq OWNED BY alerts.id;

CREATE FUNCTION ledger_record(a alerts) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        '\x61756469746c6f672e616c6572742e763100'::bytea  -- b"auditlog.alert.v1\0"
        || int8send(a.seq) || int8send(a.id) || int8send(a.chain_pos) || int8send(a.event_seq)
        || ledger_micros(a.occurred_at) || ledger_micros(a.raised_at)
        || CASE WHEN a.late THEN '\x01'::bytea ELSE '\x00'::bytea END
        || ledger_field(uuid_send(a.event_id)) || ledger_field(uuid_send(a.related_event_id))
        || ledger_field(int8send(a.linked_alert_id))
        || ledger_text(a.rule) || ledger_text(a.severity) || ledger_text(a.actor_id)
        || ledger_text(a.target_id) || ledger_text(a.summary),
        '\x'::bytea)
$$;

CREATE TRIGGER alerts_append_only BEFORE UPDATE OR DELETE ON alerts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER alerts_no_truncate BEFORE TRUNCATE ON alerts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- ---------------------------------------------------------------------------
-- An acknowledgement is appended, never an edit of the alert. One hash chain for all of them.

CREATE TABLE alert_acks (
    seq       bigint      NOT NULL DEFAULT nextval('events_seq_seq') PRIMARY KEY,
    txid      xid8        NOT NULL DEFAULT pg_current_xact_id(),
    alert_id  bigint      NOT NULL,  -- checked by the insert (ack_stamp.sql), see below
    note      text        NOT NULL,
    acked_by  text        NOT NULL,
    acked_at  timestamptz NOT NULL,
    chain_pos bigint      NOT NULL,
    prev_hash bytea       NOT NULL,
    hash      bytea       NOT NULL
);
CREATE INDEX alert_acks_feed ON alert_acks (txid, seq);
CREATE INDEX alert_acks_alert ON alert_acks (alert_id);

CREATE FUNCTION ledger_record(k alert_acks) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        '\x61756469746c6f672e616c6572745f61636b2e763100'::bytea  -- b"auditlog.alert_ack.v1\0"
        || int8send(k.seq) || int8send(k.chain_pos) || int8send(k.alert_id) || ledger_micros(k.acked_at)
        || ledger_text(k.note) || ledger_text(k.acked_by),
        '\x'::bytea)
$$;

CREATE TRIGGER alert_acks_append_only BEFORE UPDATE OR DELETE ON alert_acks
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER alert_acks_no_truncate BEFORE TRUNCATE ON alert_acks
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- ---------------------------------------------------------------------------
-- The outbox: one row per (alert, sink), written with the alert, so a slow or down sink never
-- slows detection and loses nothing. Operational state (attempts, delivery), not evidence: the
-- writer role updates it; the alert itself is in the ledger.

CREATE TABLE alert_outbox (
    alert_id     bigint      NOT NULL,  -- an alert's id (no foreign key, see below)
    sink         text        NOT NULL,  -- 'webhook' or 'topic'
    attempts     integer     NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    last_error   text,
    PRIMARY KEY (alert_id, sink)
);
CREATE INDEX alert_outbox_pending ON alert_outbox (sink, next_attempt) WHERE delivered_at IS NULL;

-- ---------------------------------------------------------------------------
-- Privileges. No foreign key points at alerts: its check locks the referenced row FOR KEY
-- SHARE, which needs UPDATE on alerts, and not even the owner holds that.

ALTER TABLE alerts OWNER TO auditlog_owner;
ALTER TABLE alert_acks OWNER TO auditlog_owner;
ALTER TABLE alert_outbox OWNER TO auditlog_owner;
ALTER SEQUENCE alerts_id_seq OWNER TO auditlog_owner;
ALTER FUNCTION ledger_record(alerts) OWNER TO auditlog_owner;
ALTER FUNCTION ledger_record(alert_acks) OWNER TO auditlog_owner;
REVOKE ALL ON alerts, alert_acks, alert_outbox FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON alerts, alert_acks FROM auditlog_owner;

GRANT SELECT, INSERT ON alerts, alert_acks, alert_outbox TO auditlog_writer;
GRANT UPDATE (attempts, next_attempt, delivered_at, last_error) ON alert_outbox TO auditlog_writer;
GRANT USAGE ON SEQUENCE alerts_id_seq TO auditlog_writer;
GRANT SELECT ON alerts, alert_acks, alert_outbox TO auditlog_reader, auditlog_projector;
