-- The stored state of some accounts in one generation of accounts_now.
SELECT account, state, fold_time, fold_seq FROM accounts_now
WHERE generation = %(generation)s AND account = ANY(%(accounts)s::text[])
