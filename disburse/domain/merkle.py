"""Merkle tree heads and proofs over the audit log, exactly as RFC 9162 §2.1 (SPEC §8, issue 8).

The tree is the one Certificate Transparency uses (RFC 6962 §2.1, restated by RFC 9162 §2.1):

- a leaf hashes as ``SHA-256(0x00 ‖ data)`` (:func:`leaf_hash`), an interior node as
  ``SHA-256(0x01 ‖ left ‖ right)`` (:func:`node_hash`); the two prefixes keep a leaf from ever
  colliding with a node;
- the tree of ``n`` leaves splits at ``k``, the largest power of two smaller than ``n``: the left
  subtree holds the first ``k`` leaves, the right subtree the rest; the empty tree's hash is
  ``SHA-256()`` (:data:`EMPTY_ROOT`).

For the audit log a leaf's data is the entry's canonical bytes (docs/audit-format.md, which include
``prev_hash``); docs/audit-proofs.md says how the application and inspectors use all this.

Three kinds of functions live here, all pure:

- tree hashes: :func:`root` (of leaf data), :func:`root_of_hashes` (of leaf hashes) and
  :class:`CompactRange`, which appends leaves one at a time and gives the root of any size it reaches
  without rehashing what came before; its state (:meth:`CompactRange.dump`) is what the application
  stores with each checkpoint and restores (:meth:`CompactRange.load`) to extend the tree;
- proof generation: :func:`inclusion_proof` and :func:`consistency_proof` (RFC 9162 §2.1.3.1 and
  §2.1.4.1). Both take a ``hash_range(lo, hi)`` callback that returns the Merkle tree hash of the
  leaves ``lo ≤ i < hi``; :func:`inclusion_ranges` and :func:`consistency_ranges` name the ranges a
  proof needs, so a caller can fetch or cache them as it likes, and :func:`range_hasher` makes the
  callback from a list of leaf hashes;
- proof verification: :func:`verify_inclusion` and :func:`verify_consistency`, the algorithms of
  RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32

#: The hash of the empty tree, MTH({}) = SHA-256() (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

#: ``hash_range(lo, hi)``: the Merkle tree hash of the leaves ``lo ≤ i < hi`` of the log.
HashRange = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf: SHA-256(0x00 ‖ data) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2): where RFC 9162 §2.1.1 splits a tree."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split point")
    return 1 << ((n - 1).bit_length() - 1)


def root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH of the leaves whose leaf hashes are ``hashes`` (RFC 9162 §2.1.1), in O(n)."""
    compact = CompactRange()
    compact.extend(hashes)
    return compact.root()


def root(leaves: Iterable[bytes]) -> bytes:
    """MTH of the leaf data ``leaves`` (RFC 9162 §2.1.1): the root of a tree of these leaves."""
    compact = CompactRange()
    for data in leaves:
        compact.append_leaf(data)
    return compact.root()


class CompactRange:
    """The tree of the leaves ``[0, size)`` as the roots of its perfect subtrees, to append to.

    A tree of ``size`` leaves is, read left to right, perfect subtrees of the sizes of the bits set
    in ``size``, from the highest bit to the lowest (13 = 8 + 4 + 1 leaves: three subtrees). Keeping
    only their roots — at most 64 hashes — is enough to append the next leaf (which merges the
    subtrees of equal size, like carrying in binary addition: amortised one node hash per leaf) and
    to compute the tree's root (folding the subtree roots from the right). This is the "compact
    range" of transparency-dev/merkle and the "frontier" of other logs.

    The persisted form is the size and the subtree roots, largest subtree first
    (:meth:`dump`/:meth:`load`); the number of hashes is always the number of bits set in ``size``.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ValueError("a tree size cannot be negative")
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} perfect subtrees, not {len(hashes)}")
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError("every subtree root must be a 32-byte SHA-256 hash")
        self._size = size
        self._hashes = list(hashes)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect subtrees' roots, largest (leftmost) subtree first."""
        return tuple(self._hashes)

    def append(self, leaf: bytes) -> None:
        """Append one leaf given by its leaf hash (:func:`leaf_hash` of its data)."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash must be 32 bytes")
        size, hashes, h = self._size, self._hashes, leaf
        while size & 1:  # each trailing 1 bit of the old size is a subtree of the new leaf's size: merge
            h = node_hash(hashes.pop(), h)
            size >>= 1
        hashes.append(h)
        self._size += 1

    def append_leaf(self, data: bytes) -> None:
        """Append one leaf given by its data."""
        self.append(leaf_hash(data))

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append leaves given by their leaf hashes, in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """The Merkle tree hash of the leaves ``[0, size)``; :data:`EMPTY_ROOT` when there are none."""
        if not self._hashes:
            return EMPTY_ROOT
        acc = self._hashes[-1]
        for h in reversed(self._hashes[:-1]):
            acc = node_hash(h, acc)
        return acc

    def dump(self) -> str:
        """The state as JSON text: ``{"size": N, "hashes": ["<hex>", …]}``, largest subtree first."""
        return json.dumps({"size": self._size, "hashes": [h.hex() for h in self._hashes]}, separators=(",", ":"))

    @classmethod
    def load(cls, text: str) -> "CompactRange":
        """The range :meth:`dump` wrote (``ValueError`` if the text is not such a state)."""
        try:
            state = json.loads(text)
            size, hashes = state["size"], [bytes.fromhex(h) for h in state["hashes"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a compact range state: {exc}") from exc
        if type(size) is not int:
            raise ValueError("not a compact range state: size is not an integer")
        return cls(size, hashes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompactRange) and (self._size, self._hashes) == (other._size, other._hashes)

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


def range_hasher(leaf_hashes: Sequence[bytes]) -> HashRange:
    """A ``hash_range`` over a list of leaf hashes; perfect subtrees are computed once and reused.

    ``hash_range(lo, hi)`` is MTH(D[lo:hi]) (RFC 9162 §2.1.1): it costs O(hi - lo) the first time a
    part of the list is hashed and little afterwards, so building every proof a verifier needs from
    the same list costs about one pass over the leaves.
    """
    cache: dict[tuple[int, int], bytes] = {}

    def perfect(lo: int, width: int) -> bytes:
        if width == 1:
            return leaf_hashes[lo]
        h = cache.get((lo, width))
        if h is None:
            half = width >> 1
            h = cache[lo, width] = node_hash(perfect(lo, half), perfect(lo + half, half))
        return h

    def hash_range(lo: int, hi: int) -> bytes:
        if not 0 <= lo <= hi <= len(leaf_hashes):
            raise ValueError(f"range [{lo}, {hi}) is outside the {len(leaf_hashes)} leaves")
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0:
            return perfect(lo, n)
        k = split_point(n)
        return node_hash(perfect(lo, k), hash_range(lo + k, hi))

    return hash_range


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes make the inclusion proof of leaf ``index`` in a tree of ``size``.

    RFC 9162 §2.1.3.1: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when m < k, else
    PATH(m - k, D[k:n]) : MTH(D[0:k]); PATH(0, {d0}) = {}. The ranges come in proof order,
    the leaf's sibling first.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index - lo < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes make the consistency proof from ``size1`` to ``size2``.

    RFC 9162 §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), where SUBPROOF(m, D[m], true) = {},
    SUBPROOF(m, D[m], false) = {MTH(D[m])}, and for m < n with k the split point of n:
    SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) when m ≤ k, else SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
    Defined for 0 < size1 ≤ size2 (the proof between equal sizes is empty).
    """
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, size2, size1, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, hash_range: HashRange) -> list[bytes]:
    """The inclusion proof (audit path) of leaf ``index`` (0-based) in the tree of ``size`` leaves.

    RFC 9162 §2.1.3.1; ``hash_range(lo, hi)`` gives the tree hash of leaves ``[lo, hi)``.
    """
    return [hash_range(lo, hi) for lo, hi in inclusion_ranges(index, size)]


def consistency_proof(size1: int, size2: int, hash_range: HashRange) -> list[bytes]:
    """The consistency proof between the trees of ``size1`` and ``size2`` leaves (RFC 9162 §2.1.4.1)."""
    return [hash_range(lo, hi) for lo, hi in consistency_ranges(size1, size2)]


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to, or ``None`` when the proof does not fit (RFC 9162 §2.1.3.2).

    ``leaf`` is the leaf hash; the steps are the RFC's, numbered as there.
    """
    if index >= size or index < 0:  # 1.
        return None
    fn, sn = index, size - 1  # 2.
    r = leaf  # 3.
    for p in proof:  # 4.
        if sn == 0:  # 4a.
            return None
        if fn & 1 or fn == sn:  # 4b.
            r = node_hash(p, r)
            while fn and not fn & 1:  # 4b.ii
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c.
        sn >>= 1
    return r if sn == 0 else None  # 5.


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """Whether ``proof`` shows the leaf hash ``leaf`` at ``index`` in the tree of ``size`` with ``root_hash``.

    RFC 9162 §2.1.3.2. Every hash must be 32 bytes; an index outside the tree (a tree of size 0 has
    none) fails.
    """
    if not _hashes_ok(leaf, root_hash, *proof):
        return False
    return root_from_inclusion_proof(leaf, index, size, proof) == root_hash


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> bool:
    """Whether ``proof`` shows the tree (size1, root1) is a prefix of the tree (size2, root2).

    RFC 9162 §2.1.4.2, which is defined for 0 < size1 < size2; the cases outside it are decided as a
    prefix relation: size1 > size2 never holds; equal sizes hold only with equal roots and an empty
    proof; size1 = 0 holds only with root1 the empty tree's hash and an empty proof (the empty tree
    is a prefix of every tree). Every hash must be 32 bytes.
    """
    if not _hashes_ok(root1, root2, *proof) or size1 < 0 or size2 < size1:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof and root1 == EMPTY_ROOT
    path = list(proof)
    if not path:  # 1.
        return False
    if size1 & (size1 - 1) == 0:  # 2. first is an exact power of 2
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1  # 3.
    while fn & 1:  # 4.
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # 5.
    for c in path[1:]:  # 6.
        if sn == 0:  # 6a.
            return False
        if fn & 1 or fn == sn:  # 6b.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:  # 6b.iii
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c.
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0  # 7.


def _hashes_ok(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)
