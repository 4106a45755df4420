-- What a batch's rejected rows need before they can be hashed: the time (the transaction's),
-- a seq and an id for each.
SELECT now() AS received_at,
       array(SELECT nextval('events_seq_seq') FROM generate_series(1, %(n)s)) AS seqs,
       array(SELECT nextval('rejected_id_seq') FROM generate_series(1, %(n)s)) AS ids
