-- A feed consumer that is done (a finished or restarted rebuild) forgets its position.
DELETE FROM feed_positions WHERE consumer = %(consumer)s
