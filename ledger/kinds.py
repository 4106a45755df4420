"""The record kinds of the ledger: every table whose rows enter the feed, the hash chains and the
Merkle tree. One declarative entry per kind; the feed's and the tree's queries follow this list.

A kind names its table, how its rows look as feed rows (``feed``: feed column -> SQL expression
over the row ``x``; a column it lacks is NULL), its subject (the thing a bundle collects the
rows of: an event's target, a seal's subject), and the columns that name one of its hash chains
(``chain``; empty: one chain for the kind). Its canonical record is the SQL function
``ledger_record(<table>)`` of its migration, and the same bytes made in Python (``chain.record``
for events, ``records.py`` for the others), held equal by tests.

To add a kind (as ``alerts``, ``alert_acks`` and ``reads`` were): a migration creating its table
with ``seq bigint DEFAULT nextval('events_seq_seq')``, ``txid xid8 DEFAULT pg_current_xact_id()``,
an index on ``(txid, seq)``, ``chain_pos``, ``prev_hash``, ``hash`` and ``ledger_record(<table>)``;
its Python record; its insert computing the chain in the inserting transaction; and an entry
here. The feed, the tree builder, verify and the checkpoints then cover it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class RecordKind:
    name: str
    table: str
    feed: Mapping[str, str] = field(default_factory=dict)
    subject: str | None = None
    chain: tuple[str, ...] = ()
    time: str = "recorded_at"  # the column that says when the ledger wrote the row


# The feed's columns, their SQL types (for a kind that has no such column) and order.
FEED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("recorded_at", "timestamptz"), ("topic", "text"), ("partition", "integer"), ("incarnation", "integer"),
    ("kafka_offset", "bigint"), ("payload", "jsonb"), ("rejected_id", "bigint"), ("reason", "text"),
)

EVENT = RecordKind(
    "event", "events",
    feed={"recorded_at": "x.recorded_at", "topic": "x.topic", "partition": "x.partition",
          "incarnation": "x.incarnation", "kafka_offset": "x.kafka_offset", "payload": "x.payload"},
    subject="x.target_id", chain=("topic", "partition"),
)
REJECTED = RecordKind(
    "rejected", "rejected",
    feed={"recorded_at": "x.received_at", "topic": "x.topic", "partition": "x.partition",
          "incarnation": "x.incarnation", "kafka_offset": "x.kafka_offset", "rejected_id": "x.id",
          "reason": "x.reason"},
    chain=("topic", "partition"), time="received_at",
)
SEAL = RecordKind("seal", "seals", feed={"recorded_at": "x.requested_at"}, subject="x.subject",
                  time="requested_at")

# subject None: a bundle collects an account's events and seals; alerts about it are not in it
ALERT = RecordKind("alert", "alerts", feed={"recorded_at": "x.raised_at"}, time="raised_at")
ALERT_ACK = RecordKind("alert_ack", "alert_acks", feed={"recorded_at": "x.acked_at"}, time="acked_at")

# every read of ledger contents (migration 008): who, for which case, what; one chain
READ = RecordKind("read", "reads", feed={"recorded_at": "x.read_at"}, time="read_at")

KINDS: tuple[RecordKind, ...] = (EVENT, REJECTED, SEAL, ALERT, ALERT_ACK, READ)
BY_NAME: dict[str, RecordKind] = {k.name: k for k in KINDS}

# The horizon as a scalar subquery in each branch (not a CTE joined in): the planner then reads
# each table on its (txid, seq) index and merges the ordered streams (Merge Append) on the xid8
# column ``x`` instead of sorting every page (a page of 5000: 47 ms -> 5 ms). Keep this shape:
# tests/integration/test_kinds_sql.py EXPLAINs every generated query.
_HORIZON = "(SELECT pg_snapshot_xmin(pg_current_snapshot()))"
_AFTER = f"(x.txid, x.seq) > (%(txid)s::text::xid8, %(seq)s) AND x.txid < {_HORIZON}"


def _merged(parts: list[str], columns: str = "*") -> str:
    """Each kind's ordered stream (read on its (txid, seq) index), merged in feed order."""
    union = "\n    UNION ALL\n".join(f"    ({p})" for p in parts)
    return f"SELECT {columns} FROM (\n{union}\n) AS rows\nORDER BY x, seq\nLIMIT %(limit)s"


@cache
def feed_rows_sql() -> str:
    """The next ledger rows after a feed position, in feed order, below the horizon (``feed.read``)."""
    parts = []
    for kind in KINDS:
        columns = ", ".join(f"{kind.feed.get(name, f'NULL::{sql_type}')} AS {name}" for name, sql_type in FEED_COLUMNS)
        parts.append(f"SELECT x.txid::text::bigint AS txid, x.seq, '{kind.name}'::text AS kind, {columns}, "
                     f"x.txid AS x FROM {kind.table} x WHERE {_AFTER} ORDER BY x.txid, x.seq LIMIT %(limit)s")
    return _merged(parts)


@cache
def feed_head_sql() -> str:
    """The last readable position (highest (txid, seq) below the horizon), its row's time, the horizon."""
    parts = [f"SELECT x.txid, x.seq, x.{k.time} AS recorded_at FROM {k.table} x "
             f"WHERE x.txid < (SELECT xmin FROM horizon) ORDER BY x.txid DESC, x.seq DESC LIMIT 1" for k in KINDS]
    union = "\n    UNION ALL\n".join(f"    ({p})" for p in parts)
    return ("WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),\n"
            f"last AS (\n{union}\n)\n"
            "SELECT (SELECT xmin::text::bigint FROM horizon) AS horizon,\n"
            "       l.txid::text::bigint AS txid, l.seq, l.recorded_at\n"
            "FROM (SELECT 1) AS one\n"
            "LEFT JOIN LATERAL (SELECT * FROM last ORDER BY txid DESC, seq DESC LIMIT 1) l ON true")


@cache
def feed_behind_sql() -> str:
    """How many feed rows lie after a position and below the horizon (counted up to %(cap)s) and the
    time of the oldest of them (``positions.behind``): each kind one ordered index range scan that
    stops at the cap."""
    parts = [f"SELECT x.{k.time} AS recorded_at FROM {k.table} x WHERE {_AFTER} "
             f"ORDER BY x.txid, x.seq LIMIT %(cap)s" for k in KINDS]
    union = "\n    UNION ALL\n".join(f"    ({p})" for p in parts)
    return f"SELECT count(*) AS rows, min(recorded_at) AS oldest FROM (\n{union}\n) AS after"


@cache
def feed_held_sql() -> str:
    """Committed rows a feed reader cannot read yet: at or above the horizon, held back by a
    transaction still running (counted up to %(cap)s; ``positions.held``)."""
    parts = [f"SELECT 1 FROM {k.table} x WHERE x.txid >= {_HORIZON} LIMIT %(cap)s" for k in KINDS]
    union = "\n    UNION ALL\n".join(f"    ({p})" for p in parts)
    return f"SELECT count(*) AS rows FROM (\n{union}\n) AS held"


@cache
def feed_recorded_at_sql() -> str:
    """The time of the row at a seq, whatever its kind (``positions.stored``)."""
    return "coalesce(" + ", ".join(f"(SELECT x.{k.time} FROM {k.table} x WHERE x.seq = p.seq)" for k in KINDS) + ")"


@cache
def leaves_sql() -> str:
    """What the tree builder (and verify) hash: each row after a feed position, below the horizon, in
    feed order, with its kind, subject and canonical record made by the server."""
    parts = [f"SELECT x.txid::text::bigint AS txid, x.seq, '{k.name}'::text AS kind, "
             f"{k.subject or 'NULL::text'} AS subject, ledger_record(x) AS record, x.txid AS x "
             f"FROM {k.table} x WHERE {_AFTER} ORDER BY x.txid, x.seq LIMIT %(limit)s" for k in KINDS]
    return _merged(parts, "txid, seq, kind, subject, record")


def chain_records_sql(kind: RecordKind) -> str:
    """Every row of a kind other than events (verify streams theirs faster, chain_records.sql), in
    seq order: its chain's name as text, seq, chain_pos, record, prev_hash, hash. Rows without a
    chain (rejected before migration 006) come with a NULL chain_pos."""
    name = " || '/' || ".join(f"x.{c}::text" for c in kind.chain) or "''"
    return (f"SELECT {name} AS chain, x.seq, x.chain_pos, ledger_record(x) AS record, x.prev_hash, x.hash "
            f"FROM {kind.table} x ORDER BY x.seq")


def chain_heads_sql(kind: RecordKind) -> str:
    """The last chained row of each chain of a kind: chain columns, seq, chain_pos, hash."""
    columns = ", ".join(f"x.{c}" for c in kind.chain)
    if not columns:
        return (f"SELECT x.seq, x.chain_pos, x.hash FROM {kind.table} x WHERE x.chain_pos IS NOT NULL "
                "ORDER BY x.seq DESC LIMIT 1")
    return (f"SELECT DISTINCT ON ({columns}) {columns}, x.seq, x.chain_pos, x.hash FROM {kind.table} x "
            f"WHERE x.chain_pos IS NOT NULL ORDER BY {columns}, x.seq DESC")
