-- Tiles the builder wrote at a commit; a tile already there (the same bytes) stays as it is.
-- The arrays go in binary (the b placeholders): as text, every tile's bytes were hex-escaped in Python, a tenth of building.
INSERT INTO tree_tiles (level, n, width, data)
SELECT * FROM unnest(%(levels)b::smallint[], %(ns)b::bigint[], %(widths)b::smallint[], %(datas)b::bytea[])
ON CONFLICT (level, n, width) DO NOTHING
