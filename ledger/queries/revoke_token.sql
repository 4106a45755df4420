-- Revoke a token (once; revoking again changes nothing). Returns whether the token exists.
WITH known AS (SELECT id FROM tokens WHERE id = %(id)s),
     added AS (INSERT INTO token_revocations (token_id, revoked_by)
               SELECT id, %(revoked_by)s FROM known
               ON CONFLICT (token_id) DO NOTHING RETURNING token_id)
SELECT (SELECT count(*) FROM known) AS known, (SELECT count(*) FROM added) AS added
