-- The tree as the builder last committed it: its size and root (no row: nothing built yet).
SELECT size, root FROM tree_heads ORDER BY size DESC LIMIT 1
