"""RFC 6962 / RFC 9162 Merkle trees: test vectors, and every proof of every tree up to 70 leaves
held to a reference written here from the RFCs' definitions (not the production code)."""

from __future__ import annotations

import hashlib

import pytest

from auditlog.ledger import merkle, tiles

# RFC 6962's reference test vectors (certificate-transparency, merkle_tree_test): the leaves and
# the root of the tree of the first n of them
VECTOR_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
MAX = 70


# -- the reference: RFC 6962 2.1 definitions, literally ------------------------------------------

def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 2.1."""
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return _h(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 2.1.1."""
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 6962 2.1.2."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = _h(b"\x01" + p + r)
            if fn % 2 == 0:
                while not (fn % 2 == 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = _h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def ref_verify_consistency(m: int, n: int, first: bytes, second: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 2.1.4.2, step by step (0 < m < n)."""
    if not proof:
        return False
    path = ([first] if m & (m - 1) == 0 else []) + list(proof)
    fn, sn = m - 1, n - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = _h(b"\x01" + c + fr)
            sr = _h(b"\x01" + c + sr)
            if fn % 2 == 0:
                while not (fn % 2 == 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _h(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first and sr == second


# -- the tests ---------------------------------------------------------------------------------

LEAVES = [f"entry {i}".encode() for i in range(MAX)]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]
NODE = merkle.memory_reader(HASHES)


def test_the_rfc_6962_test_vectors() -> None:
    assert merkle.root(0, merkle.memory_reader([])).hex() == \
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for n, expected in enumerate(VECTOR_ROOTS, start=1):
        node = merkle.memory_reader([merkle.leaf_hash(x) for x in VECTOR_LEAVES[:n]])
        assert merkle.root(n, node).hex() == expected
        assert ref_mth(VECTOR_LEAVES[:n]).hex() == expected  # the reference agrees with the RFC too


@pytest.mark.parametrize("size", range(1, MAX + 1))
def test_every_inclusion_proof_matches_the_rfc_and_verifies(size: int) -> None:
    root = merkle.root(size, NODE)
    assert root == ref_mth(LEAVES[:size])
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, NODE)
        assert proof == ref_path(index, LEAVES[:size])
        assert ref_verify_inclusion(index, size, HASHES[index], proof, root)
        merkle.verify_inclusion(index, size, HASHES[index], proof, root)
        # the production verifier refuses what the RFC's refuses: a proof cut, grown or changed
        bads = [proof[:-1], [*proof, root], [bytes(32)] + proof[1:]] if proof else [[root]]
        for bad in bads:
            assert not ref_verify_inclusion(index, size, HASHES[index], bad, root)
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(index, size, HASHES[index], bad, root)


@pytest.mark.parametrize("new", range(1, MAX + 1))
def test_every_consistency_proof_matches_the_rfc_and_verifies(new: int) -> None:
    new_root = merkle.root(new, NODE)
    for old in range(1, new):
        old_root = merkle.root(old, NODE)
        proof = merkle.consistency_proof(old, new, NODE)
        assert proof == ref_subproof(old, LEAVES[:new], True)
        assert ref_verify_consistency(old, new, old_root, new_root, proof)
        merkle.verify_consistency(old, new, old_root, new_root, proof)
        for bad in (proof[:-1], [*proof, new_root], [bytes(32)] + proof[1:]):
            assert not ref_verify_consistency(old, new, old_root, new_root, bad)
            with pytest.raises(merkle.ProofError):
                merkle.verify_consistency(old, new, old_root, new_root, bad)
        with pytest.raises(merkle.ProofError):  # the right proof, another old root
            merkle.verify_consistency(old, new, new_root, new_root, proof)


def test_trees_over_tiles_agree_with_the_tree_in_memory() -> None:
    """The builder's edge, fed leaf by leaf across tile boundaries, has the root of the whole
    tree, and its tiles answer every proof as the leaves in memory do."""
    count = 256 * 3 + 17
    entries = [hashlib.sha256(str(i).encode()).digest() for i in range(count)]
    hashes = [merkle.leaf_hash(e) for e in entries]
    edge = tiles.Edge()
    stored: dict[tuple[int, int], bytes] = {}
    for i, e in enumerate(entries):
        edge.append(e)
        for tile, data in edge.take_full():
            stored[(tile.level, tile.n)] = data
        if i + 1 in (1, 255, 256, 257, 512, count):
            assert edge.root() == merkle.root(i + 1, merkle.memory_reader(hashes))
    for tile, data in edge.partial():
        stored[(tile.level, tile.n)] = data
    node = tiles.tile_node_reader(lambda level, n, width: stored[(level, n)])
    for index in (0, 255, 256, 700, count - 1):
        assert merkle.inclusion_proof(index, count, node) == merkle.inclusion_proof(
            index, count, merkle.memory_reader(hashes))
    resumed = tiles.Edge.resume(count, lambda level, n, width: stored[(level, n)])
    assert resumed.root() == edge.root()
    assert tiles.bundle_entries(stored[(tiles.ENTRIES, 3)]) == entries[768:]


@pytest.mark.parametrize(("n", "path"), [(0, "000"), (67, "067"), (1234067, "x001/x234/067"), (1000, "x001/000")])
def test_tile_paths_follow_tlog_tiles(n: int, path: str) -> None:
    assert tiles.encode_index(n) == path
    assert tiles.parse_path(f"tile/0/{path}") == tiles.Tile(0, n, 256)
    assert tiles.parse_path(f"tile/entries/{path}.p/7") == tiles.Tile(tiles.ENTRIES, n, 7)


@pytest.mark.parametrize("bad", ["tile/0/67", "tile/0/x000/067", "tile/0/001.p/256", "tile/0/001.p/0",
                                 "tile/64/000", "tile/a/000", "../etc/passwd"])
def test_bad_tile_paths_are_refused(bad: str) -> None:
    with pytest.raises(tiles.BadTilePath):
        tiles.parse_path(bad)


def test_extending_the_edge_by_pages_is_appending_leaf_by_leaf() -> None:
    entries = [hashlib.sha256(str(i).encode()).digest() for i in range(256 * 256 + 300)]
    one, paged = tiles.Edge(), tiles.Edge()
    for e in entries:
        one.append(e)
    for start in range(0, len(entries), 1000):
        paged.extend(entries[start:start + 1000])
    assert one.take_full() == paged.take_full()
    assert (one.size, one.root(), one.partial()) == (paged.size, paged.root(), paged.partial())


def test_subjects_are_escaped_for_copy() -> None:
    from auditlog.ledger.tree import copy_text, leaf_line

    assert copy_text(None) == "\\N"
    assert copy_text("acct-1") == "acct-1"
    assert copy_text("a\tb\\c\nd\re") == "a\\tb\\\\c\\nd\\re"
    assert leaf_line(7, 12, "event", "a\tb", -1) == "7\t12\tevent\ta\\tb\t-1\n"
