-- The last leaf of a subject below a tree size.
SELECT idx FROM tree_leaves WHERE subject = %(subject)s AND idx < %(size)s ORDER BY idx DESC LIMIT 1
