-- The size and root the builder committed.
INSERT INTO tree_heads (size, root) VALUES (%(size)s, %(root)s)
ON CONFLICT (size) DO NOTHING
