-- The last leaf of each subject: what a new leaf of that subject points back to.
SELECT s.subject, l.idx
FROM unnest(%(subjects)s::text[]) AS s(subject)
CROSS JOIN LATERAL (
    SELECT idx FROM tree_leaves t WHERE t.subject = s.subject ORDER BY idx DESC LIMIT 1
) l
