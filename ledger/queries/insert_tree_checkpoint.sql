-- A signed tree checkpoint: the note's text as body (the bytes signed) and the raw signature.
INSERT INTO checkpoints (kind, created_at, key_id, body, signature, tree_size, root_hash)
VALUES ('tree', now(), %(key_id)s, %(body)s, %(signature)s, %(tree_size)s, %(root_hash)s)
RETURNING id, created_at
