-- The builder's record of the leaves from %(first)s up to (not including) %(last)s, in index order.
SELECT idx, seq, kind, subject, prev_idx FROM tree_leaves WHERE idx >= %(first)s AND idx < %(last)s ORDER BY idx
