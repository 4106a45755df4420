"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

A leaf's hash is ``SHA-256(0x00 || entry)``, a node's ``SHA-256(0x01 || left || right)``, the
empty tree's root ``SHA-256("")``. A tree of ``n`` leaves splits at ``k``, the largest power of
two below ``n``. Hashes of the tree come from a ``NodeReader``: ``node(height, index)`` is the
hash of the perfect subtree of ``2**height`` leaves starting at leaf ``index * 2**height`` (the
tiles hold these, ``ledger/tiles.py``). Every subtree the RFC's recursion meets splits into such
perfect, aligned subtrees, so proofs never need anything else.

Verification follows RFC 9162 2.1.3.2 (inclusion) and 2.1.4.2 (consistency) step by step: every
hash of a proof is used, and a proof with a hash too many or too few fails (CVE-2022-36111
was a verifier that looked at the ends only).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

NodeReader = Callable[[int, int], bytes]
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not verify, or a request no proof can answer."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root over a power-of-two count of hashes at one level."""
    sha256 = hashlib.sha256
    level = list(hashes)
    while len(level) > 1:
        level = [sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(lo: int, hi: int, node: NodeReader) -> bytes:
    """MTH of leaves ``[lo, hi)``, where ``lo`` is aligned as the RFC's recursion leaves it."""
    n = hi - lo
    if n & (n - 1) == 0:
        height = n.bit_length() - 1
        return node(height, lo >> height)
    k = _split(n)
    return node_hash(subtree_hash(lo, lo + k, node), subtree_hash(lo + k, hi, node))


def root(size: int, node: NodeReader) -> bytes:
    return EMPTY_ROOT if size == 0 else subtree_hash(0, size, node)


def inclusion_proof(index: int, size: int, node: NodeReader) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 2.1.3.1, leaf-side first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    proof: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            proof.append(subtree_hash(lo + k, hi, node))
            hi = lo + k
        else:
            proof.append(subtree_hash(lo, lo + k, node))
            lo, m = lo + k, m - k
    proof.reverse()
    return proof


def consistency_proof(old: int, new: int, node: NodeReader) -> list[bytes]:
    """PROOF(old, D[new]) of RFC 9162 2.1.4.1 (empty when old is 0 or old == new)."""
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from a tree of {old} to one of {new}")
    if old == 0 or old == new:
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                proof.append(subtree_hash(lo, hi, node))
            break
        k = _split(n)
        if m <= k:
            proof.append(subtree_hash(lo + k, hi, node))
            hi = lo + k
        else:
            proof.append(subtree_hash(lo, lo + k, node))
            lo, m, whole = lo + k, m - k, False
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from leaf hash ``leaf`` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> None:
    if root_from_inclusion(index, size, leaf, proof) != expected_root:
        raise ProofError(f"inclusion proof of leaf {index} does not lead to the root of the tree of {size}")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2: the tree of ``new`` leaves extends the tree of ``old`` leaves."""
    if not 0 <= old <= new:
        raise ProofError(f"a tree of {new} cannot extend a tree of {old}")
    if old == new:
        if proof or old_root != new_root:
            raise ProofError(f"two different roots for one tree size {old}")
        return
    if old == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"consistency proof does not lead to the root of the tree of {old}")
    if sr != new_root:
        raise ProofError(f"consistency proof does not lead to the root of the tree of {new}")


def memory_reader(leaf_hashes: Sequence[bytes]) -> NodeReader:
    """A ``NodeReader`` over leaf hashes held in memory (small trees, tests)."""
    def node(height: int, index: int) -> bytes:
        return perfect_root(leaf_hashes[index << height:(index + 1) << height])
    return node
