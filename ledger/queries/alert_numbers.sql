-- A seq and an alert id for each of %(count)s new alerts, ascending (taken under the chain's lock).
SELECT nextval('events_seq_seq') AS seq, nextval('alerts_id_seq') AS id
FROM generate_series(1, %(count)s) AS n
ORDER BY n
