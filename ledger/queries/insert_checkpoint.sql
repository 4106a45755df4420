-- A signed checkpoint; the body is the exact bytes that were signed.
INSERT INTO checkpoints (created_at, key_id, body, signature)
VALUES (%(created_at)s, %(key_id)s, %(body)s, %(signature)s)
RETURNING id
