-- The largest tree checkpoint signed so far (what the next one must be consistent with).
SELECT id, tree_size, root_hash, body FROM checkpoints WHERE kind = 'tree'
ORDER BY tree_size DESC, id DESC LIMIT 1
