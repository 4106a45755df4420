-- Every leaf of a subject below a tree size, newest first, with its row's record: what a bundle
-- carries. Found through the rows naming the subject, then their leaves by seq (migration 009).
-- (CASE, not coalesce: ledger_record of a missing row is empty bytes, not NULL.)
SELECT l.idx, l.seq, l.kind, l.subject, l.prev_idx,
       CASE l.kind WHEN 'event' THEN ledger_record(e) WHEN 'seal' THEN ledger_record(s) END AS record
FROM (SELECT seq FROM events WHERE target_id = %(subject)s
      UNION ALL
      SELECT seq FROM seals WHERE subject = %(subject)s) AS r
JOIN tree_leaves l ON l.seq = r.seq
LEFT JOIN events e ON l.kind = 'event' AND e.seq = l.seq
LEFT JOIN seals s ON l.kind = 'seal' AND s.seq = l.seq
WHERE l.subject = %(subject)s AND l.idx < %(size)s
ORDER BY l.idx DESC
