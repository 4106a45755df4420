-- The rebuilt generation becomes the live one, in the rebuild's last transaction.
UPDATE projections SET live = building, building = NULL, swapped_at = now()
WHERE name = %(name)s AND building IS NOT NULL
