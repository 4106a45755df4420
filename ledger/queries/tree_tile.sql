-- A tile with at least %(width)s hashes (entries for level -1): the exact one, else the narrowest
-- wider one (a partial tile is a prefix of every wider tile of the same place).
SELECT width, data FROM tree_tiles
WHERE level = %(level)s AND n = %(n)s AND width >= %(width)s
ORDER BY width
LIMIT 1
