-- Every stored tile (verify recomputes them and compares).
SELECT level, n, width, data FROM tree_tiles ORDER BY level, n, width
