-- A new token: its text's SHA-256 only, never the text.
INSERT INTO tokens (id, role, scopes, created_by, expires_at, token_hash)
VALUES (%(id)s, %(role)s, %(scopes)s, %(created_by)s, now() + make_interval(secs => %(seconds)s), %(token_hash)s)
RETURNING created_at, expires_at
