-- Snapshots: an account's folded state at a point of its history (fold order:
-- occurred_at, then seq), so that state at T costs the events since the nearest one.
--
-- A snapshot holds exactly the account's events with (occurred_at, seq) <= its
-- point among those with seq <= watermark. Every event with seq <= watermark was
-- committed when it was built (see the fence below), so an event it lacks has
-- seq > watermark: that is how readers find late events and bypass the snapshot.
CREATE TABLE snapshots (
    account         text        NOT NULL,
    occurred_at     timestamptz NOT NULL,  -- point: the last event folded in
    seq             bigint      NOT NULL,
    watermark       bigint      NOT NULL,  -- every event with seq <= this was committed and seen
    max_recorded_at timestamptz NOT NULL,  -- latest recorded_at folded in: usable for known_at >= this
    events          integer     NOT NULL,
    state           jsonb       NOT NULL,  -- domain.account.state_to_plain
    built_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, occurred_at, seq)
);

-- late events for one account: those recorded after a snapshot's watermark
CREATE INDEX events_target_seq ON events (target_id, seq);

-- The fence that makes a watermark safe. Every statement inserting events holds
-- this lock (shared) until its transaction ends; a snapshot builder takes it
-- exclusively just to read max(seq), so no insert is in flight at that moment and
-- every seq allocated afterwards is larger. The key spells "snapshot".
CREATE FUNCTION events_insert_fence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(8317708061079070580);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_insert_fence BEFORE INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_insert_fence();
