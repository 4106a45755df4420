-- A projection's generations, held FOR SHARE while a projector applies a batch to the live one
-- (a rebuild's swap waits for it, and it waits for a swap).
SELECT name, live, building, swapped_at FROM projections WHERE name = %(name)s FOR SHARE
