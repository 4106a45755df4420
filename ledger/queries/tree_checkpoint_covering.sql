-- The newest tree checkpoint whose tree holds leaf %(index)s (the smallest size after it if
-- %(smallest)s), else nothing.
SELECT id, key_id, body, signature, tree_size, root_hash FROM checkpoints
WHERE kind = 'tree' AND tree_size > %(index)s
ORDER BY CASE WHEN %(smallest)s THEN tree_size ELSE -tree_size END, id DESC
LIMIT 1
