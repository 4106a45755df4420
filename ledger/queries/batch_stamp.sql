-- What a batch needs from the server before it can hash its rows: the ledger time
-- (the transaction's) and the seq values the rows will get. Taking the snapshot
-- builders' insert fence first (003_snapshots.sql) means no snapshot watermark can be
-- read between allocating these seq values and inserting them; the COPY takes the
-- same shared lock again.
SELECT pg_advisory_xact_lock_shared(%(fence)s),
       now(),
       array(SELECT nextval('events_seq_seq') FROM generate_series(1, %(n)s))
