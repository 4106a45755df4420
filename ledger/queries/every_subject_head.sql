-- The last leaf of every subject below a tree size, in one scan of tree_leaves: what a tree
-- builder starting on a tree it did not grow loads first (at most limit subjects).
SELECT subject, max(idx) AS idx
FROM tree_leaves
WHERE idx < %(below)s AND subject IS NOT NULL
GROUP BY subject
LIMIT %(limit)s
