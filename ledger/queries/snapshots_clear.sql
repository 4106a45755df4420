-- Drop one generation of snapshots (a rebuild's start over, or the old one after a swap).
DELETE FROM snapshots WHERE generation = %(generation)s
