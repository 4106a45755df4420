-- A seal with its place in the seal chain (computed under the seal chain's lock).
INSERT INTO seals (seq, subject, purpose, requested_at, chain_pos, prev_hash, hash)
VALUES (%(seq)s, %(subject)s, %(purpose)s, %(requested_at)s, %(chain_pos)s, %(prev_hash)s, %(hash)s)
