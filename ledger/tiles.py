"""c2sp.org/tlog-tiles: where each hash of the tree lives, and the tiles the builder writes.

A tile holds up to 256 hashes of one level of the tree: tile level ``L`` holds the tree's nodes
at height ``8L`` (level 0: the leaf hashes), tile ``N`` the nodes ``256N .. 256N+255`` of that
height; a partial tile (width 1..255) is a full tile's prefix. An entries bundle
(``tile/entries/N``) holds the entries of leaves ``256N ..``, each with a 2-byte big-endian
length. Paths: ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, where ``N`` is written
in groups of three digits, all but the last prefixed with ``x`` (1234067: ``x001/x234/067``).

``Edge`` is the growing right edge of the tree: it takes leaves in order, hands out every tile
the moment it is full, the partial tiles of the current size on request, and the root.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from auditlog.ledger.merkle import EMPTY_ROOT, NodeReader, leaf_hash, perfect_root, root

HEIGHT = 8
WIDTH = 1 << HEIGHT
ENTRIES = -1  # the level under which entries bundles are stored
HASH = 32
_ENTRY_PREFIX = struct.pack(">H", HASH)  # every entry is a 32-byte SHA-256
MAX_LEVEL = 63

# tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]
_PATH = re.compile(r"^tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?$")


@dataclass(frozen=True)
class Tile:
    level: int  # ENTRIES for an entries bundle
    n: int
    width: int

    @property
    def full(self) -> bool:
        return self.width == WIDTH

    def path(self) -> str:
        name = "entries" if self.level == ENTRIES else str(self.level)
        return f"tile/{name}/{encode_index(self.n)}" + ("" if self.full else f".p/{self.width}")


class BadTilePath(ValueError):
    pass


def encode_index(n: int) -> str:
    digits = f"{n:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def parse_path(path: str) -> Tile:
    match = _PATH.match(path)
    if not match:
        raise BadTilePath(f"{path!r} is not a tile path (tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])")
    level_text, index_text, width_text = match.groups()
    level = ENTRIES if level_text == "entries" else int(level_text)
    if level > MAX_LEVEL:
        raise BadTilePath(f"{path!r}: tile levels go up to {MAX_LEVEL}")
    groups = index_text.split("/")
    if len(groups) > 1 and groups[0] == "x000":
        raise BadTilePath(f"{path!r}: the index has a leading zero group")
    width = int(width_text) if width_text else WIDTH
    if width_text and width >= WIDTH:
        raise BadTilePath(f"{path!r}: a partial tile's width is 1..255")
    return Tile(level, int("".join(g.lstrip("x") for g in groups)), width)


def tiles_at(size: int) -> Iterator[Tile]:
    """Every tile (hash tiles and entries bundles) of a tree of ``size`` leaves."""
    count, level = size, 0
    while count > 0:
        for n in range(count // WIDTH):
            yield Tile(level, n, WIDTH)
            if level == 0:
                yield Tile(ENTRIES, n, WIDTH)
        if count % WIDTH:
            yield Tile(level, count // WIDTH, count % WIDTH)
            if level == 0:
                yield Tile(ENTRIES, count // WIDTH, count % WIDTH)
        count >>= HEIGHT
        level += 1


def width_at(level: int, n: int, size: int) -> int:
    """The width tile (``level``, ``n``) has in a tree of ``size`` leaves (0: it does not exist)."""
    count = size >> (HEIGHT * max(level, 0))
    return max(0, min(WIDTH, count - n * WIDTH))


def entries_bundle(entries: list[bytes]) -> bytes:
    return b"".join(_ENTRY_PREFIX + e for e in entries)


def bundle_entries(data: bytes) -> list[bytes]:
    """An entries bundle read back into its entries."""
    out, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("entries bundle is truncated")
        (size,) = struct.unpack_from(">H", data, at)
        out.append(data[at + 2:at + 2 + size])
        at += 2 + size
    if at != len(data):
        raise ValueError("entries bundle is truncated")
    return out


TileReader = Callable[[int, int, int], bytes]  # (level, n, width needed) -> at least that many hashes


def tile_node_reader(read: TileReader) -> NodeReader:
    """A ``NodeReader`` over hash tiles: a node of height ``8L + r`` is the root over ``2**r``
    consecutive hashes of one tile at level ``L``."""
    def node(height: int, index: int) -> bytes:
        level, rest = divmod(height, HEIGHT)
        first = index << rest
        n, offset = divmod(first, WIDTH)
        count = 1 << rest
        data = read(level, n, offset + count)
        return perfect_root([data[i:i + HASH] for i in range(offset * HASH, (offset + count) * HASH, HASH)])
    return node


class Edge:
    """The right edge of the tree as it grows: per tile level, the hashes of its last, unfinished
    tile (and the entries of the last entries bundle)."""

    def __init__(self, size: int = 0, levels: list[list[bytes]] | None = None,
                 entries: list[bytes] | None = None) -> None:
        self.size = size
        self.levels: list[list[bytes]] = levels if levels is not None else [[]]
        self.entries: list[bytes] = entries if entries is not None else []
        self.full: list[tuple[Tile, bytes]] = []  # tiles finished since the last take_full()

    def append(self, entry: bytes) -> bytes:
        """Add the next leaf; return its leaf hash."""
        h = leaf_hash(entry)
        self.entries.append(entry)
        if len(self.entries) == WIDTH:
            self.full.append((Tile(ENTRIES, self.size // WIDTH, WIDTH), entries_bundle(self.entries)))
            self.entries = []
        self._push(0, h)
        self.size += 1
        return h

    def extend(self, entries: list[bytes]) -> None:
        """``append`` each entry, made for the builder: one call per page, the leaf hashes in one
        comprehension and the edge's tiles filled a slice at a time (the entries bundle and the
        level 0 tile always hold the same leaves, ``size % WIDTH`` of them)."""
        sha256 = hashlib.sha256
        hashes = [sha256(b"\x00" + e).digest() for e in entries]
        at, count = 0, len(entries)
        while at < count:
            room = WIDTH - self.size % WIDTH
            if count - at < room:  # the tile does not fill
                self.entries.extend(entries[at:])
                self.levels[0].extend(hashes[at:])
                self.size += count - at
                return
            bundle = self.entries + entries[at:at + room]
            self.full.append((Tile(ENTRIES, self.size // WIDTH, WIDTH), entries_bundle(bundle)))
            self.entries = []
            self.levels[0].extend(hashes[at:at + room - 1])
            self.size += room - 1
            self._push(0, hashes[at + room - 1])  # fills the tile and carries its root up
            self.size += 1
            at += room

    def _push(self, level: int, h: bytes) -> None:
        while True:
            if level == len(self.levels):
                self.levels.append([])
            hashes = self.levels[level]
            hashes.append(h)
            if len(hashes) < WIDTH:
                return
            n = ((self.size + 1) >> (HEIGHT * level)) // WIDTH - 1
            self.full.append((Tile(level, n, WIDTH), b"".join(hashes)))
            h = perfect_root(hashes)
            self.levels[level] = []
            level += 1

    def take_full(self) -> list[tuple[Tile, bytes]]:
        full, self.full = self.full, []
        return full

    def partial(self) -> list[tuple[Tile, bytes]]:
        """The partial tiles of the current size."""
        out = []
        for level, hashes in enumerate(self.levels):
            if hashes:
                count = self.size >> (HEIGHT * level)
                out.append((Tile(level, count // WIDTH, len(hashes)), b"".join(hashes)))
        if self.entries:
            out.append((Tile(ENTRIES, self.size // WIDTH, len(self.entries)), entries_bundle(self.entries)))
        return out

    def root(self) -> bytes:
        if self.size == 0:
            return EMPTY_ROOT

        def read(level: int, n: int, need: int) -> bytes:
            hashes = self.levels[level]
            if n != (self.size >> (HEIGHT * level)) // WIDTH or need > len(hashes):
                raise KeyError(f"tile {level}/{n} is not on the edge")
            return b"".join(hashes)

        return root(self.size, tile_node_reader(read))

    @classmethod
    def resume(cls, size: int, read: TileReader) -> Edge:
        """The edge of a stored tree of ``size`` leaves, from its partial tiles (``read``)."""
        levels: list[list[bytes]] = []
        level = 0
        while True:
            count = size >> (HEIGHT * level)
            width = count % WIDTH
            data = read(level, count // WIDTH, width) if width else b""
            levels.append([data[i:i + HASH] for i in range(0, width * HASH, HASH)])
            if count < WIDTH:  # no level above holds a hash yet
                break
            level += 1
        width = size % WIDTH
        entries = bundle_entries(read(ENTRIES, size // WIDTH, width)[:width * (HASH + 2)]) if width else []
        return cls(size, levels, entries)
