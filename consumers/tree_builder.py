"""The tree builder: the Merkle tree over every ledger row, grown from the ledger feed.

It reads the feed (every kind, each row's canonical record made by the server), gives each row
the next leaf index, points it at the previous leaf of its subject, hashes it into an entry and
the entry into the tree (``ledger/tiles.Edge``), and commits per batch, in one writer
transaction: the leaves, every tile finished and the partial tiles of the new size, the new size
and root, and its feed position. One instance per ledger (``Ledger.claim``). With a signing key
it signs a tree checkpoint every ``AUDITLOG_CHECKPOINT_EVERY`` leaves or
``AUDITLOG_CHECKPOINT_SECONDS`` (if the tree grew), and once more when it stops.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from auditlog.consumers.runner import NO_METRICS, Health, Metrics
from auditlog.domain.errors import ServiceUnavailable
from auditlog.domain.settings import Settings
from auditlog.ledger import roles
from auditlog.ledger.feed import Position
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import load_private
from auditlog.ledger.records import LEAF_MAGIC, NO_PREV, field
from auditlog.ledger.tiles import Edge, Tile
from auditlog.ledger.tree import LedgerLeaf, copy_text, position_of

log = logging.getLogger(__name__)

NAME = "tree-builder"
_SUBJECTS_KEPT = 1_000_000  # subjects whose last leaf is kept in memory; more: forget and ask again
_INT64 = struct.Struct(">q")


@dataclass
class Built:
    leaves: int = 0  # added by this run
    size: int = 0
    checkpoints: int = 0


class TreeBuilder:
    name = NAME

    def __init__(self, settings: Settings, *, batch: int = 10_000, idle_s: float = 0.5,
                 metrics: Metrics = NO_METRICS) -> None:
        self.settings = settings
        self.batch = batch
        self.idle_s = idle_s
        self.metrics = metrics
        self.health = Health(self.name)
        self.built = Built()
        self._stop = threading.Event()
        self._key = load_private(settings.signing_key) if settings.signing_key else None

    def stop(self) -> None:
        self._stop.set()

    def run(self, until_idle: bool = False) -> Built:
        with Ledger.from_settings(self.settings) as ledger, Ledger.from_settings(self.settings) as source:
            ledger.check_role(roles.WRITER)
            ledger.claim(self.name)
            with ledger.reading() as unit:
                position = unit.feed_position(self.name)
                size, _ = unit.tree_size()
                edge = unit.tree_edge(size)
            self.built.size = size
            last_of: dict[str, int] = {}
            heads: dict[tuple[str, str | None], tuple[bytes, str]] = {}
            unsigned, signed_at = 0, time.monotonic()
            self.health.ready = True
            with _Pages(source, position, self.batch, self.idle_s, self._stop) as pages, \
                    _Stores(ledger, self.name, self._stored) as stores:
                while not self._stop.is_set():
                    rows = pages.next()
                    if rows:
                        missing = list({r[3] for r in rows if r[3] is not None and r[3] not in last_of})
                        if len(last_of) + len(missing) > _SUBJECTS_KEPT:
                            last_of.clear()
                            heads.clear()
                        if missing:
                            stores.drain()  # their last leaves may be in a page not stored yet
                            with ledger.reading() as unit:
                                last_of.update(unit.subject_heads(missing))
                        leaves = _grow(edge, rows, last_of, heads)
                        stores.put(_Store(leaves, edge.take_full() + edge.partial(), edge.size, edge.root(),
                                          position_of(rows[-1]), len(rows)))
                        unsigned += len(rows)
                    due = unsigned >= self.settings.checkpoint_every \
                        or time.monotonic() - signed_at >= self.settings.checkpoint_seconds
                    if unsigned and due:
                        stores.drain()  # a checkpoint signs a stored size
                        if self._sign(ledger):
                            unsigned, signed_at = 0, time.monotonic()
                    if not rows and until_idle:
                        break
                stores.drain()
            if unsigned or (until_idle and self.built.size):
                self._sign(ledger)
        self.health.ready = False
        return self.built

    def _stored(self, store: _Store) -> None:
        """A page committed (on the storing thread)."""
        self.built.leaves += store.rows
        self.built.size = store.size
        self.health.succeeded()
        self.metrics.count("tree_leaves_total", store.rows)
        self.metrics.gauge("tree_size", store.size)

    def _sign(self, ledger: Ledger) -> bool:
        if self._key is None:
            return False
        try:
            signed = ledger.sign_tree(self._key, self.settings.log_origin, self.settings.checkpoint_export)
        except (ServiceUnavailable, OSError) as exc:
            log.warning("tree checkpoint postponed: %s", exc)
            return False
        if signed is not None:
            self.built.checkpoints += 1
            self.metrics.count("tree_checkpoints_signed_total")
        return True


def _grow(edge: Edge, rows: list[LedgerLeaf], last_of: dict[str, int],
          heads: dict[tuple[str, str | None], tuple[bytes, str]]) -> str:
    """Add ``rows`` to the tree; return their ``tree_leaves`` rows in COPY text (``tree.leaf_line``).
    The leaf record is made inline (``records.leaf_record``, byte for byte): this loop runs once
    per ledger row, so what depends only on (kind, subject) is made once per subject (``heads``:
    the leaf record's start and the COPY line's middle) and the rest is a few concatenations."""
    lines = []
    entries = []
    sha256 = hashlib.sha256
    prev_bytes = _INT64.pack
    index = edge.size
    for _txid, seq, kind, subject, record in rows:
        head = heads.get((kind, subject))
        if head is None:
            head = heads[(kind, subject)] = (LEAF_MAGIC + field(kind) + field(subject),
                                              f"\t{copy_text(kind)}\t{copy_text(subject)}\t")
        if subject is None:
            prev = NO_PREV
        else:
            prev = last_of.get(subject, NO_PREV)
            last_of[subject] = index
        entries.append(sha256(head[0] + prev_bytes(prev) + len(record).to_bytes(4, "big") + record).digest())
        lines.append(f"{index}\t{seq}{head[1]}{prev}\n")
        index += 1
    edge.extend(entries)
    return "".join(lines)


@dataclass(frozen=True)
class _Store:
    """One page's effects, committed in one writer transaction with the feed position."""

    leaves: str
    tiles: list[tuple[Tile, bytes]]
    size: int
    root: bytes
    position: Position
    rows: int


class _Stores:
    """Commits the builder's pages in order on a thread of its own, so the server storing one page
    (leaves, tiles, head, position: as long as hashing it) overlaps the builder hashing the next.
    The builder's ledger connection is the storing thread's until ``drain()`` returns (nothing
    queued or under way): only then does the builder use it itself. A storing error is raised in
    the builder at its next ``put`` or ``drain``; the pages after it are not stored."""

    def __init__(self, ledger: Ledger, name: str, stored: Callable[[_Store], None]) -> None:
        self._ledger, self._name, self._stored = ledger, name, stored
        self._queue: queue.Queue[_Store | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._store, name="tree-stores", daemon=True)

    def __enter__(self) -> _Stores:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._queue.put(None)
        self._thread.join()

    def put(self, store: _Store) -> None:
        self._raise()
        self._queue.put(store)

    def drain(self) -> None:
        self._queue.join()
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _store(self) -> None:
        while True:
            store = self._queue.get()
            try:
                if store is None:
                    return
                if self._error is None:
                    with self._ledger.writing() as unit:
                        unit.store_tree(store.leaves, store.tiles, store.size, store.root)
                        unit.store_feed_position(self._name, store.position)
                    self._stored(store)
            except BaseException as exc:  # handed to the builder, which fails and is run again
                self._error = exc
            finally:
                self._queue.task_done()


class _Pages:
    """The next pages of the ledger, read ahead on a connection of their own (the reader role)
    while the builder hashes and stores the page before: reading (the server making each row's
    record) and building then overlap. ``next()`` gives a page, or [] once caught up (after which
    it waits ``idle_s`` before reading again); a reading error is raised in the caller."""

    def __init__(self, source: Ledger, after: Position, limit: int, idle_s: float, stop: threading.Event) -> None:
        self._source, self._after, self._limit, self._idle_s = source, after, limit, idle_s
        self._stop = stop
        self._done = threading.Event()
        self._queue: queue.Queue[list[LedgerLeaf] | BaseException] = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._read, name="tree-pages", daemon=True)

    def __enter__(self) -> _Pages:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        while self._thread.is_alive():  # unblock a put() waiting for room
            with contextlib.suppress(queue.Empty):
                self._queue.get_nowait()
            self._thread.join(0.05)

    def next(self) -> list[LedgerLeaf]:
        while not self._stop.is_set():
            with contextlib.suppress(queue.Empty):
                item = self._queue.get(timeout=self._idle_s)
                if isinstance(item, BaseException):
                    raise item
                return item
        return []

    def _read(self) -> None:
        after = self._after
        try:
            while not self._done.is_set():
                with self._source.reading() as unit:
                    page = unit.tree_leaves(after, self._limit)
                self._put(page)
                if page:
                    after = position_of(page[-1])
                else:
                    self._done.wait(self._idle_s)
        except BaseException as exc:  # handed to the builder, which fails and is run again
            self._put(exc)

    def _put(self, item: list[LedgerLeaf] | BaseException) -> None:
        while not self._done.is_set():
            with contextlib.suppress(queue.Full):
                self._queue.put(item, timeout=0.1)
                return
