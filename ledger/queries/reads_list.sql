-- The reads log, newest first, every filter optional; keyset pagination on seq.
SELECT seq, read_at, token_id, role, case_id, route, params, client
FROM reads
WHERE (%(case_id)s::text IS NULL OR case_id = %(case_id)s::text)
  AND (%(token_id)s::text IS NULL OR token_id = %(token_id)s::text)
  AND (%(from)s::timestamptz IS NULL OR read_at >= %(from)s::timestamptz)
  AND (%(to)s::timestamptz IS NULL OR read_at <= %(to)s::timestamptz)
  AND (%(before)s::bigint IS NULL OR seq < %(before)s::bigint)
ORDER BY seq DESC
LIMIT %(limit)s
