-- Drop one generation of accounts_now (a rebuild's start over, or the old one after a swap).
DELETE FROM accounts_now WHERE generation = %(generation)s
