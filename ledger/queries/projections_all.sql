-- Every projection, its live generation and the one a rebuild is filling.
SELECT name, live, building, swapped_at FROM projections ORDER BY name
