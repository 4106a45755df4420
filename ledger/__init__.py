"""The Postgres ledger: migrations, named queries, append, read and state at a time."""
