"""The ledger's database roles (created by migration 002) and how the service takes them.

The service connects with whatever ``DATABASE_URL`` names (the devstack
superuser, or a login role that is a member of the role below) and then
``SET ROLE``s, so every statement runs with that role's privileges only:

- ``auditlog_writer``: the ledger writer. INSERT and SELECT on the ledger
  tables, UPDATE only on ``consumer_offsets`` (its resume point).
- ``auditlog_reader``: everything that only reads (``auditlog verify``, queries); it may append
  to the reads log (migration 008), so every read can be put on the record.
- ``auditlog_projector``: keeps the derived tables (snapshots, projections) and its feed
  position; reads the ledger tables, never changes them.
- ``auditlog_owner``: NOLOGIN, owns the tables; migrations run as a superuser
  or a member of it. It has no UPDATE, DELETE or TRUNCATE on the ledger tables.

In production, create login roles that are members of ``auditlog_writer`` or
``auditlog_reader`` only (``CREATE ROLE ingest LOGIN IN ROLE auditlog_writer``).
"""

from __future__ import annotations

OWNER = "auditlog_owner"
WRITER = "auditlog_writer"
READER = "auditlog_reader"
PROJECTOR = "auditlog_projector"
SERVICE_ROLES = (WRITER, READER, PROJECTOR)
# tables no service role may ever change (consumer_offsets is not one: it moves with every batch)
LEDGER_TABLES = ("events", "rejected", "checkpoints", "topic_incarnations")
