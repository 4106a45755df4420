-- The root of the tree at a size the builder committed.
SELECT size, root FROM tree_heads WHERE size = %(size)s
