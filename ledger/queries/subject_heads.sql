-- The last leaf of each subject below a tree size: what a new leaf of that subject points back to.
-- Found through the rows naming the subject (an event's target, a seal's subject), then their
-- leaves by seq (migration 009); the leaf must name the subject too.
SELECT s.subject, h.idx
FROM unnest(%(subjects)s::text[]) AS s(subject)
CROSS JOIN LATERAL (
    SELECT max(l.idx) AS idx
    FROM (SELECT e.seq FROM events e WHERE e.target_id = s.subject
          UNION ALL
          SELECT x.seq FROM seals x WHERE x.subject = s.subject) AS r
    JOIN tree_leaves l ON l.seq = r.seq
    WHERE l.subject = s.subject AND l.idx < %(below)s
) h
WHERE h.idx IS NOT NULL
