-- Every token, newest first, with its revocation if any: never the hash.
SELECT t.id, t.role, t.scopes, t.created_at, t.created_by, t.expires_at, r.revoked_at, r.revoked_by
FROM tokens t LEFT JOIN token_revocations r ON r.token_id = t.id
ORDER BY t.created_at DESC, t.id
