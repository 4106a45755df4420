-- Every size the builder committed, with its root, smallest first.
SELECT size, root FROM tree_heads ORDER BY size
