-- An event's leaf: where it is in the tree and what its leaf record is made of.
SELECT l.idx, l.seq, l.kind, l.subject, l.prev_idx, ledger_record(e) AS record
FROM events e JOIN tree_leaves l ON l.seq = e.seq
WHERE e.event_id = %(event_id)s::uuid
