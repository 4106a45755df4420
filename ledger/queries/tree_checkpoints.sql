-- Every tree checkpoint, oldest first: the note's text (what was signed) and the signature.
SELECT id, key_id, body, signature, tree_size, root_hash FROM checkpoints WHERE kind = 'tree' ORDER BY id
