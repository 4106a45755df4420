"""The Merkle tree in Postgres: the leaves the builder hashed, its tiles, and its committed sizes.

The tree builder (``consumers/tree_builder.py``) reads the ledger in feed order through
``leaves`` (each row's record made by the server, ``kinds.leaves_sql``), makes each leaf record
(``records.leaf_record``: kind, subject, the subject's previous leaf, the record), and stores
per batch, in one transaction with its feed position: the leaves (``tree_leaves``), every tile
finished and the partial tiles of the new size (``tree_tiles``), and the new size with its root
(``tree_heads``). Everything about the tree a reader needs comes from those tiles.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from auditlog.domain.errors import AuditError
from auditlog.ledger import merkle, records, tiles
from auditlog.ledger.db import translated_errors
from auditlog.ledger.feed import Position
from auditlog.ledger.kinds import leaves_sql
from auditlog.ledger.sql import query

# A ledger row as the tree sees it, read in feed order: txid, seq (its feed position), kind,
# subject, canonical record. The row as the driver hands it over (the builder reads a million of
# them: an object per row cost more than hashing it).
LedgerLeaf = tuple[int, int, str, str | None, bytes]


@dataclass(frozen=True)
class Leaf:
    """A leaf of the tree: where it is, which row, and what its leaf record holds."""

    index: int
    seq: int
    kind: str
    subject: str | None
    prev: int
    record: bytes  # the row's canonical record

    def leaf_record(self) -> bytes:
        return records.leaf_record(self.kind, self.subject, self.prev, self.record)

    def entry(self) -> bytes:
        return records.entry(self.leaf_record())


def leaves(conn: psycopg.Connection, after: Position, limit: int) -> list[LedgerLeaf]:
    params = {"txid": str(after.txid), "seq": after.seq, "limit": limit}
    with translated_errors(), conn.cursor(binary=True, row_factory=tuple_row) as cur:  # a named tuple per row: 9%
        rows: list[LedgerLeaf] = cur.execute(leaves_sql(), params).fetchall()
    return rows


def position_of(row: LedgerLeaf) -> Position:
    return Position(row[0], row[1])


def size(conn: psycopg.Connection) -> tuple[int, bytes]:
    """The size and root the builder last committed (0 and the empty root before it built)."""
    with translated_errors():
        row = conn.execute(query("tree_size")).fetchone()
    return (0, merkle.EMPTY_ROOT) if row is None else (int(row[0]), bytes(row[1]))


def root_at(conn: psycopg.Connection, tree_size: int) -> bytes | None:
    with translated_errors():
        row = conn.execute(query("tree_head_at"), {"size": tree_size}).fetchone()
    return None if row is None else bytes(row[1])


def tile(conn: psycopg.Connection, level: int, n: int, width: int) -> tuple[int, bytes] | None:
    """The stored tile with at least ``width`` hashes (entries for ``tiles.ENTRIES``): its width
    and data, cut to nothing; None if the tree has no such tile yet."""
    with translated_errors():
        row = conn.execute(query("tree_tile"), {"level": level, "n": n, "width": width}).fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))


def subject_heads(conn: psycopg.Connection, subjects: Sequence[str], below: int) -> dict[str, int]:
    """The last leaf of each subject in a tree of ``below`` leaves (a subject without one: absent)."""
    with translated_errors():
        params = {"subjects": list(subjects), "below": below}
        return {s: int(i) for s, i in conn.execute(query("subject_heads"), params)}


def every_subject_head(conn: psycopg.Connection, below: int, limit: int) -> list[tuple[str, int]]:
    """The last leaf of every subject in a tree of ``below`` leaves, one scan; ``limit`` subjects at most."""
    with translated_errors(), conn.cursor(row_factory=tuple_row) as cur:
        return [(s, int(i)) for s, i in cur.execute(query("every_subject_head"), {"below": below, "limit": limit})]


def store(conn: psycopg.Connection, new_leaves: str, new_tiles: Sequence[tuple[tiles.Tile, bytes]],
          tree_size: int, tree_root: bytes) -> None:
    """One builder commit's effects (the caller's transaction also stores its feed position).
    ``new_leaves``: the ``tree_leaves`` rows in COPY's text format (``leaf_line``), made by the
    builder as it hashes: a binary COPY row by row, or a second pass, costs more than the rest."""
    with translated_errors(), conn.cursor() as cur:
        with cur.copy("COPY tree_leaves (idx, seq, kind, subject, prev_idx) FROM STDIN") as copy:
            copy.write(new_leaves)
        if new_tiles:
            cur.execute(query("insert_tree_tiles"), {
                "levels": [t.level for t, _ in new_tiles], "ns": [t.n for t, _ in new_tiles],
                "widths": [t.width for t, _ in new_tiles], "datas": [d for _, d in new_tiles]})
        cur.execute(query("insert_tree_head"), {"size": tree_size, "root": tree_root})


def leaf_line(index: int, seq: int, kind: str, subject: str | None, prev: int) -> str:
    """A ``tree_leaves`` row in COPY's text format, for ``store``."""
    return f"{index}\t{seq}\t{copy_text(kind)}\t{copy_text(subject)}\t{prev}\n"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def copy_text(value: str | None) -> str:
    """A value in COPY's text format: NULL as \\N, backslash, tab, newline, CR escaped."""
    if value is None:
        return "\\N"
    return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE.search(value) else value


class TileCache:
    """Tiles read from the ledger, kept: a full tile never changes, and a partial one is a prefix
    of everything wider at its place. Bounded (least recently used goes first)."""

    def __init__(self, conn: psycopg.Connection, capacity: int = 4096) -> None:
        self.conn = conn
        self._tiles: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._capacity = capacity

    def read(self, level: int, n: int, width: int) -> bytes:
        key = (level, n)
        data = self._tiles.get(key)
        per = tiles.HASH + 2 if level == tiles.ENTRIES else tiles.HASH
        if data is None or len(data) < width * per:
            found = tile(self.conn, level, n, width)
            if found is None:
                raise AuditError(f"the tree has no tile {tiles.Tile(level, n, width).path()} (build it: "
                                 "`auditlog tree --until-idle`)")
            data = self._tiles[key] = found[1]
            if len(self._tiles) > self._capacity:
                self._tiles.popitem(last=False)
        else:
            self._tiles.move_to_end(key)
        return data

    def node_reader(self) -> merkle.NodeReader:
        return tiles.tile_node_reader(self.read)

    def entry(self, index: int) -> bytes:
        n, offset = divmod(index, tiles.WIDTH)
        data = self.read(tiles.ENTRIES, n, offset + 1)
        at = offset * (tiles.HASH + 2) + 2
        return data[at:at + tiles.HASH]


def edge(conn: psycopg.Connection, tree_size: int) -> tiles.Edge:
    """The builder's right edge at the size it committed, from the partial tiles stored then."""
    cache = TileCache(conn)
    return tiles.Edge.resume(tree_size, cache.read)


def leaf_of_event(conn: psycopg.Connection, event_id: str) -> Leaf | None:
    with translated_errors():
        row = conn.execute(query("event_leaf"), {"event_id": event_id}).fetchone()
    return None if row is None else _leaf(row)


def subject_leaves(conn: psycopg.Connection, subject: str, below: int) -> list[Leaf]:
    """Every leaf of ``subject`` in a tree of ``below`` leaves, newest first."""
    with translated_errors():
        return [_leaf(r) for r in conn.execute(query("subject_leaves"), {"subject": subject, "size": below})]


def missing_leaf(leaves: Sequence[Leaf]) -> int | None:
    """The first leaf that a subject's ``leaves`` (newest first, ``subject_leaves``) link back to
    but do not hold: its row is gone from the ledger. None: the walk down to the first is whole."""
    for newer, older in zip(leaves, [*leaves[1:], None], strict=True):
        if newer.prev != (records.NO_PREV if older is None else older.index):
            return newer.prev
    return None


def _leaf(row: Any) -> Leaf:
    return Leaf(int(row[0]), int(row[1]), row[2], row[3], int(row[4]), bytes(row[5]))


def leaf_rows(conn: psycopg.Connection, first: int, last: int) -> list[tuple[int, int, str, str | None, int]]:
    """The builder's leaves ``first`` up to ``last`` (excluded): index, seq, kind, subject, prev."""
    with translated_errors():
        return [(int(r[0]), int(r[1]), r[2], r[3], int(r[4]))
                for r in conn.execute(query("tree_leaf_range"), {"first": first, "last": last})]


def heads(conn: psycopg.Connection) -> list[tuple[int, bytes]]:
    with translated_errors():
        return [(int(r[0]), bytes(r[1])) for r in conn.execute(query("tree_heads"))]


def stored_tiles(conn: psycopg.Connection) -> dict[tuple[int, int, int], bytes]:
    with translated_errors():
        return {(int(r[0]), int(r[1]), int(r[2])): bytes(r[3]) for r in conn.execute(query("tree_tiles_all"))}
