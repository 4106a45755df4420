-- This transaction's commit waits for its WAL (and so all WAL before it) to be flushed,
-- whatever the server's synchronous_commit: what is exported must not be lost by a crash.
SET LOCAL synchronous_commit = on
