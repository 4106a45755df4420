-- Every leaf of a subject below a tree size, newest first, with its row's record: what a bundle
-- carries. Found through the rows naming the subject, then their leaves by seq (migration 009),
-- so a leaf whose row is gone is not found: the previous-leaf link to it then names it
-- (tree.missing_leaf).
SELECT l.idx, l.seq, l.kind, l.subject, l.prev_idx, ledger_record(e) AS record
FROM events e JOIN tree_leaves l ON l.seq = e.seq
WHERE e.target_id = %(subject)s AND l.subject = %(subject)s AND l.idx < %(size)s
UNION ALL
SELECT l.idx, l.seq, l.kind, l.subject, l.prev_idx, ledger_record(s) AS record
FROM seals s JOIN tree_leaves l ON l.seq = s.seq
WHERE s.subject = %(subject)s AND l.subject = %(subject)s AND l.idx < %(size)s
ORDER BY idx DESC
