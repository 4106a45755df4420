-- A rebuild starts filling generation %(building)s.
UPDATE projections SET building = %(building)s WHERE name = %(name)s
