-- What a batch needs from the server before it can hash its rows: the ledger time
-- (the transaction's), the seq values the rows will get, and each payload in the
-- exact text form Postgres gives the stored jsonb back in (keys reordered, spacing).
-- The payloads go as a binary parameter (b placeholder); psycopg's text-array quoting costs more than the batch.
SELECT now(),
       array(SELECT nextval('events_seq_seq') FROM generate_series(1, %(n)s)),
       array(SELECT p::jsonb::text
             FROM unnest(%(payloads)b::text[]) WITH ORDINALITY AS u(p, i) ORDER BY i)
