"""Every Postgres advisory lock auditlog takes: its key, who takes it, and why.

Postgres keeps two key spaces apart: single ``bigint`` keys (the ``LockKey``s below) and
``(int, int)`` pairs (the ``LockClass``es, whose first int names the class, and the chain
locks, whose first int is ``hashtext(topic)``: a chain lock could meet a class lock only if
a topic's hash were a class id and a partition number a name's hash).
``tests/unit/test_locks.py`` holds every advisory lock call in the code and the SQL to
this registry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LockKey:
    name: str
    key: int
    taken_by: str
    why: str


MIGRATE = LockKey(
    "migrate", 0x6175646974,  # "audit"
    "ledger.migrate.migrate, per migration, transaction-scoped, exclusive",
    "one migrator at a time across processes",
)

INSERT_FENCE = LockKey(
    "insert fence", 8317708061079070580,  # spells "snapshot"
    "every statement inserting events (shared, trigger of 003_snapshots.sql, and the writer's batch stamp); "
    "a snapshot builder reading its watermark (exclusive, for that read only)",
    "no seq can be allocated but uncommitted while a snapshot watermark is read",
)

SEAL_CHAIN = LockKey(
    "seal chain", 0x7365616C73,  # "seals"
    "ledger.seals.seal, transaction-scoped, exclusive",
    "the one hash chain of seals grows by one row at a time",
)

TREE_SIGN = LockKey(
    "tree signer", 0x7472656573,  # "trees"
    "ledger.tree_checkpoints.sign, transaction-scoped, exclusive",
    "two signers never both check against the same last checkpoint and sign two different trees",
)

ALERT_CHAIN = LockKey(
    "alert chain", 0x616C657274,  # "alert"
    "ledger.alerts.insert_alerts, transaction-scoped, exclusive",
    "the one hash chain of alerts grows a batch at a time, and a batch skips the (rule, event)s already stored",
)

ACK_CHAIN = LockKey(
    "alert ack chain", 0x61636B73,  # "acks"
    "ledger.alerts.acknowledge, transaction-scoped, exclusive",
    "the one hash chain of acknowledgements grows by one row at a time",
)

READ_CHAIN = LockKey(
    "read chain", 0x7265616473,  # "reads"
    "ledger.access.record_read, transaction-scoped, exclusive",
    "the one hash chain of reads grows by one row at a time",
)

KEYS = (MIGRATE, INSERT_FENCE, SEAL_CHAIN, TREE_SIGN, ALERT_CHAIN, ACK_CHAIN, READ_CHAIN)


@dataclass(frozen=True)
class LockClass:
    """Locks on a ``(class_id, hashtext(name))`` pair: one lock per named thing of a kind."""

    name: str
    class_id: int
    taken_by: str
    why: str


FEED_CONSUMER = LockClass(
    "feed consumer", 0x66656564,  # "feed"
    "a feed consumer (projector, detector, tree builder) for as long as it runs, session-scoped",
    "one running instance per consumer name, so two never store the same position",
)

CLASSES = (FEED_CONSUMER,)

# The hash chain of each (topic, partition): pg_advisory_xact_lock(hashtext(topic), partition),
# taken by every batch append for each chain it touches, in sorted order (lock_chains.sql),
# across writer groups too (the offset fence only orders writers of one group).
CHAIN_LOCK_SQL = "pg_advisory_xact_lock(hashtext(c.topic), c.partition)"
