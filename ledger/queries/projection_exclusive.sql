-- A projection's generations, held FOR UPDATE by a rebuild that starts or swaps.
SELECT name, live, building, swapped_at FROM projections WHERE name = %(name)s FOR UPDATE
