-- Every stored checkpoint, oldest first.
SELECT id, key_id, body, signature FROM checkpoints WHERE kind = 'chains' ORDER BY id
