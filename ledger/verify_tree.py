"""``verify``'s second half: rebuild the Merkle tree from the ledger and hold the stored one to it.

The ledger is read in feed order (every kind, each row's record made by the server, as the
builder reads it) and each row is held to the builder's leaf at the same index: the same row
(seq), kind and subject, and the previous leaf of that subject as recomputed here. Every entry is
recomputed, every tile the stored tree holds is compared with the recomputed one, and so is the
root at every size the builder committed and every signed tree checkpoint (from the database and
from the export file: each signature checked with the trusted keys, for the configured origin).
An edited, deleted, moved or added row changes an entry, so its tile and every root after it;
a tree rebuilt by a tamperer from an edited ledger still disagrees with the signed checkpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from auditlog.ledger import note, records, tiles, tree
from auditlog.ledger.feed import START
from auditlog.ledger.tree_checkpoints import stored

_PAGE = 20_000
_KEEP = 100  # problems kept for the report (all are counted)


@dataclass
class TreeReport:
    size: int = 0  # the size the builder committed
    checked: int = 0  # leaves recomputed
    checkpoints: int = 0  # tree checkpoints whose signature and root hold
    bad_leaves: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"size": self.size, "leaves_checked": self.checked, "checkpoints": self.checkpoints,
                "bad_leaves": self.bad_leaves, "first_bad": self.problems[0] if self.problems else None}


def verify_tree(conn: psycopg.Connection, *, origin: str, trusted: Sequence[note.Verifier] | None,
                exported: Sequence[str] = ()) -> TreeReport:
    report = TreeReport()
    size, _ = tree.size(conn)
    report.size = size
    roots = _roots_to_check(conn, origin, trusted, exported, report)
    if size == 0 and not roots:
        return report
    stored_tiles: dict[tuple[int, int], dict[int, bytes]] = {}
    for (level, n, width), data in tree.stored_tiles(conn).items():
        stored_tiles.setdefault((level, n), {})[width] = data
    edge = tiles.Edge()
    last_of: dict[str, int] = {}
    position = START
    wanted = sorted(roots)
    while edge.size < size:
        page = tree.leaves(conn, position, min(_PAGE, size - edge.size))
        built = tree.leaf_rows(conn, edge.size, edge.size + _PAGE)
        if not page:
            for index, seq, *_ in built[:size - edge.size]:
                _problem(report, index, seq, "the leaf's ledger row is missing (deleted at the end?)")
            break
        position = tree.position_of(page[-1])
        for (_txid, seq, kind, subject, record), leaf in zip(page, built, strict=False):
            index = edge.size
            prev = last_of.get(subject, records.NO_PREV) if subject is not None else records.NO_PREV
            if subject is not None:
                last_of[subject] = index
            if leaf[1] != seq:
                _problem(report, index, leaf[1], "the ledger row at this place in the feed is another "
                         f"(seq {seq}): a row deleted, added or moved", found_seq=seq)
            elif (leaf[2], leaf[3], leaf[4]) != (kind, subject, prev):
                _problem(report, index, leaf[1], "the leaf's kind, subject or previous leaf is not the ledger's",
                         expected=[kind, subject, prev], found=list(leaf[2:]))
            edge.append(records.entry(records.leaf_record(kind, subject, prev, record)))
            _compare_tiles(edge.take_full(), stored_tiles, report)
            while wanted and wanted[0] == edge.size:
                _check_root(wanted.pop(0), edge.root(), roots, report)
        if len(built) < len(page):
            for row in page[len(built):]:
                _problem(report, edge.size, row[1], "the ledger has a row the tree lacks")
            break
    report.checked = edge.size
    _compare_tiles(edge.partial(), stored_tiles, report)
    for (level, n), widths in stored_tiles.items():
        for width in widths:
            _problem(report, None, None,
                     f"the stored tree has a tile beyond its size: {tiles.Tile(level, n, width).path()}")
    for tree_size in wanted:
        _check_root(tree_size, None, roots, report)
    return report


def _roots_to_check(conn: psycopg.Connection, origin: str, trusted: Sequence[note.Verifier] | None,
                    exported: Sequence[str], report: TreeReport) -> dict[int, list[tuple[str, bytes]]]:
    """size -> [(what, root)] for every committed head and every good tree checkpoint."""
    roots: dict[int, list[tuple[str, bytes]]] = {}
    for tree_size, root in tree.heads(conn):
        roots.setdefault(tree_size, []).append(("the builder's head", root))
    in_db = stored(conn, origin)
    notes = {cp.note(): cp for cp in in_db}
    for text in exported:
        if text not in notes:
            _problem(report, None, None, "an exported tree checkpoint is missing from the database",
                     checkpoint=text.split("\n")[1] if text.count("\n") > 1 else text)
    good = 0
    for text in dict.fromkeys([*notes, *exported]):
        try:
            if trusted is None:
                checkpoint = note.parse_checkpoint(note.split(text)[0])
            else:
                checkpoint = note.open_checkpoint(text, origin, trusted)
        except note.NoteError as exc:
            _problem(report, None, None, f"tree checkpoint does not verify: {exc}", checkpoint=text)
            continue
        good += 1
        roots.setdefault(checkpoint.size, []).append((f"the signed checkpoint of {checkpoint.size}", checkpoint.root))
    report.checkpoints = good
    return roots


def _check_root(tree_size: int, found: bytes | None, roots: dict[int, list[tuple[str, bytes]]],
                report: TreeReport) -> None:
    for what, root in roots.get(tree_size, []):
        if found is None:
            _problem(report, None, None, f"{what} is larger than the tree rebuilt from the ledger",
                     size=tree_size)
        elif root != found:
            _problem(report, None, None, f"{what} has another root than the tree rebuilt from the ledger",
                     size=tree_size, expected=found.hex(), found=root.hex())


def _compare_tiles(made: Sequence[tuple[tiles.Tile, bytes]], stored_tiles: dict[tuple[int, int], dict[int, bytes]],
                   report: TreeReport) -> None:
    """Each stored tile at a place of a rebuilt one (every width: a partial one is a prefix)."""
    for tile, data in made:
        per = tiles.HASH + 2 if tile.level == tiles.ENTRIES else tiles.HASH
        for width, have in sorted(stored_tiles.pop((tile.level, tile.n), {}).items()):
            if width > tile.width or have != data[:width * per]:
                _problem(report, None, None,
                         f"stored tile {tiles.Tile(tile.level, tile.n, width).path()} is not the rebuilt one")


def _problem(report: TreeReport, index: int | None, seq: int | None, problem: str, **details: Any) -> None:
    if index is not None:
        report.bad_leaves += 1
    if len(report.problems) < _KEEP:
        report.problems.append({"kind": "tree", "index": index, "seq": seq, "problem": problem, **details})
