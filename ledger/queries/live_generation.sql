-- The live generation of a projection.
SELECT live FROM projections WHERE name = %(name)s
