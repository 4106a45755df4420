-- The ledger's first shape: accepted events, rejected messages, writer offsets.

CREATE TABLE events (
    seq                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- global record order
    event_id           uuid        NOT NULL UNIQUE,
    topic              text        NOT NULL,
    partition          integer     NOT NULL,
    kafka_offset       bigint      NOT NULL,
    occurred_at        timestamptz NOT NULL,                 -- event time
    recorded_at        timestamptz NOT NULL DEFAULT now(),   -- ledger time (the batch's transaction)
    actor_id           text        NOT NULL,
    actor_kind         text        NOT NULL,
    actor_org          text,
    action             text        NOT NULL,
    target_type        text        NOT NULL,
    target_id          text        NOT NULL,
    reason             text,
    ticket             text,
    payload            jsonb       NOT NULL,                 -- the decoded event, schema-shaped
    raw_value          bytea       NOT NULL,                 -- the message exactly as received (evidence)
    schema_fingerprint bytea       NOT NULL,                 -- CRC-64-AVRO of the writer schema
    UNIQUE (topic, partition, kafka_offset)
);

-- "state of ACCOUNT at T" and "timeline of ACCOUNT": by target, in event-time order
CREATE INDEX events_target_time ON events (target_id, occurred_at, seq);
-- "what did ACTOR do between T1 and T2"
CREATE INDEX events_actor_time ON events (actor_id, occurred_at, seq);
-- windows over everything
CREATE INDEX events_time ON events (occurred_at, seq);

CREATE TABLE rejected (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    kafka_offset bigint      NOT NULL,
    raw_key      bytea,
    raw_value    bytea,
    reason       text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (topic, partition, kafka_offset)
);

-- next offset to read per (group, topic, partition); written in the same
-- transaction as the rows it covers, so a batch takes effect exactly once
CREATE TABLE consumer_offsets (
    group_id    text        NOT NULL,
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    next_offset bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);
