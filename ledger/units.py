"""Units of work: one transaction on the ledger, with the queries its role may run.

``Ledger.reading()`` gives a ``ReadUnit``, ``writing()`` a ``WriteUnit``,
``projecting()`` a ``ProjectUnit`` (``ledger/gateway.py``). Each method is a thin door
to the module that owns the query; the unit only fixes the connection and transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg

from auditlog.domain.account import SNAPSHOT_EVERY, AccountState
from auditlog.domain.actor import ActorState
from auditlog.domain.model import AdminAction
from auditlog.ledger import (
    access,
    append,
    checkpoints,
    feed,
    judged,
    messages,
    now,
    offsets,
    positions,
    projections,
    read,
    rejected,
    seals,
    snapshots,
    state,
    tiles,
    tree,
    tree_checkpoints,
    verify,
)
from auditlog.ledger import alerts as alerting
from auditlog.ledger.db import translated_errors
from auditlog.ledger.sql import query
from auditlog.ledger.tree_checkpoints import TreeCheckpoint

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class ReadUnit:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    # -- investigator questions -----------------------------------------------------

    def state_at(self, account: str, at: datetime, known_at: datetime | None = None) -> AccountState:
        return state.state_at(self.conn, account, at, known_at)

    def state_by_replay(self, account: str, at: datetime, known_at: datetime | None = None) -> AccountState:
        return state.state_by_replay(self.conn, account, at, known_at)

    def actor_at(self, actor: str, at: datetime, known_at: datetime | None = None) -> ActorState:
        return state.actor_at(self.conn, actor, at, known_at)

    def history(self, target: str, at: datetime, known_at: datetime | None = None) -> list[read.LedgerEvent]:
        return state.history(self.conn, target, at, known_at)

    def who(self, where: read.WhoFilter, *, limit: int = 1000,
            after: tuple[datetime, int] | None = None) -> list[read.LedgerEvent]:
        return read.who(self.conn, where, limit=limit, after=after)

    def who_all(self, where: read.WhoFilter) -> list[read.LedgerEvent]:
        return read.who_all(self.conn, where)

    def events_present(self, event_ids: Sequence[str]) -> int:
        with translated_errors():
            row = self.conn.execute(query("count_events_by_id"), {"ids": list(event_ids)}).fetchone()
        return int(row.present) if row else 0

    # -- integrity ----------------------------------------------------------------

    def verify(self, *, public_key: Ed25519PublicKey | None = None, keys: Sequence[Ed25519PublicKey] | None = None,
               exported: Sequence[checkpoints.SignedCheckpoint] = (),
               progress: Callable[[int, int], None] | None = None, origin: str | None = None,
               exported_notes: Sequence[str] = ()) -> verify.Report:
        return verify.verify(self.conn, public_key=public_key, keys=keys, exported=exported, progress=progress,
                             origin=origin, exported_notes=exported_notes)

    def checkpoints(self) -> list[checkpoints.SignedCheckpoint]:
        return checkpoints.stored(self.conn)

    # -- the writers' offsets and topic incarnations ---------------------------------------

    def stored_offsets(self, group: str, topic: str) -> dict[int, offsets.StoredOffset]:
        return offsets.stored_offsets(self.conn, group, topic)

    def latest_incarnations(self, topic: str) -> dict[int, int]:
        return offsets.latest_incarnations(self.conn, topic)

    def held_record(self, topic: str, partition: int, incarnation: int, below: int) -> offsets.HeldRecord | None:
        return offsets.held_record(self.conn, topic, partition, incarnation, below)

    def incarnations(self, topic: str) -> list[offsets.IncarnationChange]:
        return offsets.incarnations(self.conn, topic)

    # -- the feed ---------------------------------------------------------------------

    def read_feed(self, after: feed.Position, limit: int = 5000) -> list[feed.FeedRow]:
        return feed.read(self.conn, after, limit)

    def read_page(self, after: feed.Position, limit: int) -> feed.Page:
        """``read_feed`` with the events decoded."""
        return feed.decoded(feed.read(self.conn, after, limit))

    def feed_head(self) -> feed.Head:
        return feed.head(self.conn)

    def feed_position(self, consumer: str) -> feed.Position:
        return feed.position(self.conn, consumer)

    def feed_positions(self) -> list[positions.StoredPosition]:
        return positions.stored(self.conn)

    def feed_behind(self, after: feed.Position) -> positions.Behind:
        return positions.behind(self.conn, after)

    def feed_held(self) -> int:
        return positions.held(self.conn)

    # -- projections --------------------------------------------------------------------

    def projections(self) -> list[projections.Generations]:
        return projections.all_generations(self.conn)

    def projection_rows(self) -> dict[tuple[str, int], int]:
        return projections.row_counts(self.conn)

    def accounts_now(self, *, protected: bool | None = None, status: str | None = None, after: str | None = None,
                     limit: int = 1000) -> list[now.AccountNow]:
        return now.list_accounts(self.conn, protected=protected, status=status, after=after, limit=limit)

    def actors_now(self, *, actor: str | None = None, after: str | None = None,
                   limit: int = 1000) -> list[now.ActorNow]:
        return now.list_actors(self.conn, actor=actor, after=after, limit=limit)

    # -- rejected messages ----------------------------------------------------------------

    def rejected_rows(self, *, reason: str | None = None, start: datetime | None = None, end: datetime | None = None,
                 after: int | None = None, limit: int = 100) -> list[rejected.RejectedRow]:
        return rejected.listed(self.conn, reason=reason, start=start, end=end, after=after, limit=limit)

    def rejected_message(self, rejected_id: int) -> rejected.RejectedMessage | None:
        return rejected.one(self.conn, rejected_id)

    def unresolved_rejected(self, *, ids: Sequence[int] | None = None, reason: str | None = None, after: int = 0,
                            limit: int = 500) -> list[rejected.Unresolved]:
        return rejected.unresolved(self.conn, ids=ids, reason=reason, after=after, limit=limit)

    def oldest_unresolved_rejected(self) -> tuple[int, datetime | None]:
        return rejected.oldest_unresolved(self.conn)

    def known_events(self, event_ids: Sequence[str]) -> dict[str, bytes]:
        return rejected.known_events(self.conn, event_ids)

    # -- messages as they arrived (replay, restore) ----------------------------------------------

    def stored_events(self, selector: messages.Selector) -> Generator[messages.StoredMessage, None, None]:
        """Streamed: iterate inside the unit."""
        return messages.events(self.conn, selector)

    def extents(self, topic: str) -> list[messages.Extent]:
        return messages.extents(self.conn, topic)

    def offset_gaps(self, topic: str, extent: messages.Extent) -> list[int]:
        return messages.gaps(self.conn, topic, extent)

    def partition_messages(self, topic: str, partition: int,
                           incarnation: int) -> Generator[messages.StoredMessage, None, None]:
        """Streamed: iterate inside the unit."""
        return messages.partition_messages(self.conn, topic, partition, incarnation)
    # -- the Merkle tree ------------------------------------------------------------------

    def tree_size(self) -> tuple[int, bytes]:
        """The size the builder last committed and its root."""
        return tree.size(self.conn)

    def tree_root_at(self, size: int) -> bytes | None:
        return tree.root_at(self.conn, size)

    def tree_edge(self, size: int) -> tiles.Edge:
        return tree.edge(self.conn, size)

    def tree_leaves(self, after: feed.Position, limit: int) -> list[tree.LedgerLeaf]:
        return tree.leaves(self.conn, after, limit)

    def subject_heads(self, subjects: Sequence[str], below: int) -> dict[str, int]:
        return tree.subject_heads(self.conn, subjects, below)

    def every_subject_head(self, below: int, limit: int) -> list[tuple[str, int]]:
        return tree.every_subject_head(self.conn, below, limit)

    def tile(self, level: int, n: int, width: int) -> tuple[int, bytes] | None:
        return tree.tile(self.conn, level, n, width)

    def tile_cache(self) -> tree.TileCache:
        return tree.TileCache(self.conn)

    def leaf_of_event(self, event_id: str) -> tree.Leaf | None:
        return tree.leaf_of_event(self.conn, event_id)

    def subject_leaves(self, subject: str, below: int) -> list[tree.Leaf]:
        return tree.subject_leaves(self.conn, subject, below)

    def tree_checkpoints(self, origin: str) -> list[TreeCheckpoint]:
        return tree_checkpoints.stored(self.conn, origin)

    def tree_checkpoint_covering(self, index: int, origin: str, *,
                                 smallest: bool = False) -> TreeCheckpoint | None:
        return tree_checkpoints.covering(self.conn, index, origin, smallest=smallest)


    # -- detection -----------------------------------------------------------------

    def alerts(self, where: alerting.AlertFilter, limit: int = 1000) -> list[alerting.StoredAlert]:
        return alerting.list_alerts(self.conn, where, limit)

    def alert_outbox(self) -> list[alerting.Pending]:
        return alerting.pending(self.conn)

    def judged_events(self, upto: feed.Position | None = None) -> Iterator[tuple[int, int, AdminAction]]:
        """Every event in feed order (up to ``upto``) as the rules read it (``ledger/judged.py``): a
        backtest's input, and a starting detector's warm-up."""
        return judged.judged_events(self.conn, upto)

    def actor_actions(self, actor_id: str, since: datetime, before: feed.Position) -> list[tuple[int, AdminAction]]:
        """An actor's events from ``since`` that the ledger held before ``before``, with their seq."""
        return judged.actor_actions(self.conn, actor_id, since, before)

    # -- access: tokens and the reads log ----------------------------------------------

    def find_token(self, token: str) -> access.StoredToken | None:
        return access.find_token(self.conn, token)

    def tokens(self) -> list[access.StoredToken]:
        return access.list_tokens(self.conn)

    def reads(self, where: access.ReadFilter, limit: int = 100) -> list[access.StoredRead]:
        return access.list_reads(self.conn, where, limit)


class WriteUnit(ReadUnit):
    def append_batch(self, group: str, incoming: Sequence[append.Incoming], rejections: Sequence[append.Rejection],
                     ranges: Mapping[tuple[str, int], append.OffsetRange]) -> append.AppendResult:
        return append.append_batch(self.conn, group, incoming, rejections, ranges)

    def sign_checkpoint(self, key: Ed25519PrivateKey) -> checkpoints.SignedCheckpoint | None:
        """Prefer ``Ledger.checkpoint``, which also exports it once committed."""
        return checkpoints.sign(self.conn, key)

    def sign_tree_checkpoint(self, key: Ed25519PrivateKey, origin: str) -> TreeCheckpoint | None:
        """Prefer ``Ledger.sign_tree``, which also exports it once committed."""
        return tree_checkpoints.sign(self.conn, key, origin)

    def store_tree(self, leaves: str, new_tiles: Sequence[tuple[tiles.Tile, bytes]], size: int, root: bytes) -> None:
        """``leaves``: the new ``tree_leaves`` rows in COPY's text format (``tree.leaf_line``)."""
        tree.store(self.conn, leaves, new_tiles, size, root)

    def seal(self, subject: str, purpose: str) -> seals.Seal:
        return seals.seal(self.conn, subject, purpose)

    def record_incarnation(self, change: offsets.IncarnationChange) -> bool:
        return offsets.record_incarnation(self.conn, change)

    def store_feed_position(self, consumer: str, at: feed.Position) -> None:
        feed.store_position(self.conn, consumer, at)

    def resolve_rejected(self, resolutions: Sequence[rejected.Resolution], resolved_by: str) -> list[int]:
        return rejected.resolve(self.conn, resolutions, resolved_by)

    def insert_alerts(self, drafts: Sequence[alerting.AlertDraft], sinks: Sequence[str]) -> list[int]:
        return alerting.insert_alerts(self.conn, drafts, sinks)

    def acknowledge(self, alert_id: int, note: str, acked_by: str) -> alerting.Ack:
        return alerting.acknowledge(self.conn, alert_id, note, acked_by)

    def outbox_due(self, sink: str, limit: int) -> list[tuple[int, int]]:
        return alerting.due(self.conn, sink, limit)

    def outbox_delivered(self, sink: str, alert_id: int) -> None:
        alerting.delivered(self.conn, sink, alert_id)

    def outbox_failed(self, sink: str, alert_id: int, error: str, delay_s: float) -> None:
        alerting.failed(self.conn, sink, alert_id, error, delay_s)

    def create_token(self, token_id: str, token: str, role: str, scopes: Sequence[str], expires_in_s: int,
                     created_by: str) -> access.StoredToken:
        return access.create_token(self.conn, token_id, token, role, scopes, expires_in_s, created_by)

    def revoke_token(self, token_id: str, revoked_by: str) -> bool | None:
        return access.revoke_token(self.conn, token_id, revoked_by)



class RecordUnit(ReadUnit):
    """``Ledger.recording()``: the reader role, appending a read to the reads log."""

    def record_read(self, read: access.Read) -> access.StoredRead:
        return access.record_read(self.conn, read)

    def record_reads(self, reads: Sequence[access.Read]) -> list[access.StoredRead | access.TokenRefused]:
        return access.record_reads(self.conn, reads)


class ProjectUnit(ReadUnit):
    def refresh_snapshots(self, account: str, every: int = SNAPSHOT_EVERY) -> int:
        """Into the live generation."""
        return snapshots.refresh_snapshots(self.conn, account, every)

    def generations(self, name: str, *, exclusive: bool = False) -> projections.Generations:
        """``name``'s generations, its row held FOR SHARE (or FOR UPDATE) until the unit ends."""
        return projections.generations(self.conn, name, exclusive=exclusive)

    def apply_projection(self, projection: projections.Projection, generation: int, page: feed.Page) -> int:
        return projection.apply(self.conn, generation, page)

    def begin_rebuild(self, projection: projections.Projection, *, restart: bool = False) -> int:
        return projections.begin_rebuild(self.conn, projection, restart=restart)

    def swap_projection(self, projection: projections.Projection, at: feed.Position) -> int:
        return projections.swap(self.conn, projection, at)

    def accounts_to_snapshot(self, every: int = SNAPSHOT_EVERY) -> list[str]:
        return snapshots.accounts_to_snapshot(self.conn, every)

    def store_feed_position(self, consumer: str, at: feed.Position) -> None:
        feed.store_position(self.conn, consumer, at)
