-- The token whose text hashes to this, with whether it is usable now.
SELECT t.id, t.role, t.scopes, t.created_at, t.created_by, t.expires_at, r.revoked_at, r.revoked_by,
       t.expires_at <= now() AS expired
FROM tokens t LEFT JOIN token_revocations r ON r.token_id = t.id
WHERE t.token_hash = %(token_hash)s
