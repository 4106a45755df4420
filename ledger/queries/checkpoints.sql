-- Every stored checkpoint, oldest first.
SELECT id, key_id, body, signature FROM checkpoints ORDER BY id
