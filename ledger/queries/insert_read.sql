-- A read with its place in the read chain (computed under the read chain's lock).
INSERT INTO reads (seq, read_at, token_id, role, case_id, route, params, client, chain_pos, prev_hash, hash)
VALUES (%(seq)s, %(read_at)s, %(token_id)s, %(role)s, %(case_id)s, %(route)s, %(params)s, %(client)s,
        %(chain_pos)s, %(prev_hash)s, %(hash)s)
