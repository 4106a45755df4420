-- Drop one generation of actors_now (a rebuild's start over, or the old one after a swap).
DELETE FROM actors_now WHERE generation = %(generation)s
