-- Reads with their places in the read chain (computed under the read chain's lock), as one
-- statement: a column array each, in the same order (executemany cost a statement per read).
INSERT INTO reads (seq, read_at, token_id, role, case_id, route, params, client, chain_pos, prev_hash, hash)
SELECT r.seq, %(read_at)s, r.token_id, r.role, r.case_id, r.route, r.params, r.client, r.chain_pos, r.prev_hash, r.hash
FROM unnest(%(seq)s::bigint[], %(token_id)s::text[], %(role)s::text[], %(case_id)s::text[], %(route)s::text[],
            %(params)s::text[], %(client)s::text[], %(chain_pos)s::bigint[], %(prev_hash)s::bytea[],
            %(hash)s::bytea[]) AS r(seq, token_id, role, case_id, route, params, client, chain_pos, prev_hash, hash)
