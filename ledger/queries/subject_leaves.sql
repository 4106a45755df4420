-- Every leaf of a subject below a tree size, newest first, with the row's record and (for an
-- event) its payload: what a bundle carries.
SELECT l.idx, l.seq, l.kind, l.subject, l.prev_idx,
       coalesce(ledger_record(e), ledger_record(s)) AS record
FROM tree_leaves l
LEFT JOIN events e ON l.kind = 'event' AND e.seq = l.seq
LEFT JOIN seals s ON l.kind = 'seal' AND s.seq = l.seq
WHERE l.subject = %(subject)s AND l.idx < %(size)s
ORDER BY l.idx DESC
