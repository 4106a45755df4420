-- Tiles the builder wrote at a commit; a tile already there (the same bytes) stays as it is.
INSERT INTO tree_tiles (level, n, width, data)
SELECT * FROM unnest(%(levels)s::smallint[], %(ns)s::bigint[], %(widths)s::smallint[], %(datas)s::bytea[])
ON CONFLICT (level, n, width) DO NOTHING
