"""Merkle tree heads and proofs are RFC 9162 §2.1's, and every corrupted proof fails (issue 8)."""

import hashlib
import os
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disburse.domain.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    range_hasher,
    root,
    root_of_hashes,
    verify_consistency,
    verify_inclusion,
)

CI = bool(os.environ.get("CI"))

# The known-answer vectors of transparency-dev/merkle, which are those of RFC 6962's reference
# implementation (google/certificate-transparency): the leaves from testonly/constants.go
# LeafInputs(), the roots from RootHashes(), the subtree hashes from NodeHashes().
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = {size: bytes.fromhex(h) for size, h in {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}.items()}
NODE_HASHES = [[bytes.fromhex(h) for h in level] for level in (
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
)]
# The compact ranges of sizes 0–8 from testonly/constants.go CompactTrees(), as (level, index) of NodeHashes.
COMPACT = {0: [], 1: [(0, 0)], 2: [(1, 0)], 3: [(1, 0), (0, 2)], 4: [(2, 0)], 5: [(2, 0), (0, 4)],
           6: [(2, 0), (1, 2)], 7: [(2, 0), (1, 2), (0, 6)], 8: [(3, 0)]}


def h(hexes: str) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes.split()]


# (1-based leaf, size, proof) from transparency-dev/merkle proof/verify_test.go, inclusionProofs.
INCLUSION_VECTORS = [
    (1, 1, []),
    (1, 8, h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 "
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e "
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b "
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 "
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (3, 3, h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (2, 5, h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d "
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e "
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]
# (size1, size2, proof) from transparency-dev/merkle proof/verify_test.go, consistencyProofs.
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (1, 8, h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 "
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e "
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a "
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 "
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e "
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a "
             "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f "
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]

# Which nodes a proof holds, from transparency-dev/merkle proof/proof_test.go (TestInclusion,
# TestConsistency): node (level, index) covers leaves [index·2^level, (index+1)·2^level); a
# "rehash" span of nodes there is one hash here, the tree hash of the leaves they cover together.
NODE_RANGES_INCLUSION = {
    (0, 1): [], (0, 2): [[(0, 1)]], (1, 2): [[(0, 0)]], (1, 3): [[(0, 0)], [(0, 2)]],
    (0, 7): [[(0, 1)], [(1, 1)], [(0, 6), (1, 2)]], (1, 7): [[(0, 0)], [(1, 1)], [(0, 6), (1, 2)]],
    (2, 7): [[(0, 3)], [(1, 0)], [(0, 6), (1, 2)]], (3, 7): [[(0, 2)], [(1, 0)], [(0, 6), (1, 2)]],
    (4, 7): [[(0, 5)], [(0, 6)], [(2, 0)]], (5, 7): [[(0, 4)], [(0, 6)], [(2, 0)]], (6, 7): [[(1, 2)], [(2, 0)]],
    (2, 4): [[(0, 3)], [(1, 0)]], (3, 5): [[(0, 2)], [(1, 0)], [(0, 4)]], (3, 6): [[(0, 2)], [(1, 0)], [(1, 2)]],
    (4, 6): [[(0, 5)], [(2, 0)]],
    (10, 15): [[(0, 11)], [(1, 4)], [(0, 14), (1, 6)], [(3, 0)]],
    (24, 31): [[(0, 25)], [(1, 13)], [(0, 30), (1, 14)], [(3, 2)], [(4, 0)]],
    (81, 95): [[(0, 80)], [(1, 41)], [(2, 21)], [(0, 94), (1, 46), (2, 22)], [(4, 4)], [(6, 0)]],
}
NODE_RANGES_CONSISTENCY = {
    (1, 2): [[(0, 1)]], (1, 4): [[(0, 1)], [(1, 1)]], (1, 6): [[(0, 1)], [(1, 1)], [(1, 2)]],
    (2, 3): [[(0, 2)]], (2, 8): [[(1, 1)], [(2, 1)]],
    (3, 7): [[(0, 2)], [(0, 3)], [(1, 0)], [(0, 6), (1, 2)]], (4, 7): [[(0, 6), (1, 2)]],
    (5, 7): [[(0, 4)], [(0, 5)], [(0, 6)], [(2, 0)]], (6, 7): [[(1, 2)], [(0, 6)], [(2, 0)]],
    (7, 8): [[(0, 6)], [(0, 7)], [(1, 2)], [(2, 0)]],
    (1, 1): [], (2, 2): [], (3, 3): [], (4, 4): [], (5, 5): [], (7, 7): [], (8, 8): [],
    (2, 4): [[(1, 1)]], (3, 5): [[(0, 2)], [(0, 3)], [(1, 0)], [(0, 4)]],
    (3, 6): [[(0, 2)], [(0, 3)], [(1, 0)], [(1, 2)]], (4, 6): [[(1, 2)]],
    (1, 7): [[(0, 1)], [(1, 1)], [(0, 6), (1, 2)]],
    (10, 15): [[(1, 4)], [(1, 5)], [(0, 14), (1, 6)], [(3, 0)]],
    (24, 31): [[(3, 2)], [(0, 30), (1, 14), (2, 6)], [(4, 0)]],
    (81, 95): [[(0, 80)], [(0, 81)], [(1, 41)], [(2, 21)], [(0, 94), (1, 46), (2, 22)], [(4, 4)], [(6, 0)]],
}


def as_ranges(groups: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    spans = [[(index << level, (index + 1) << level) for level, index in group] for group in groups]
    return [(min(lo for lo, _ in span), max(hi for _, hi in span)) for span in spans]


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1, written as the RFC's recursion: the reference for the hypothesis tests."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def hasher_of(leaves: Sequence[bytes]):
    return range_hasher([leaf_hash(d) for d in leaves])


# --- known answers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", range(9))
def test_the_roots_of_the_eight_leaf_tree_are_the_rfc_6962_reference_roots(size: int) -> None:
    assert root(LEAVES[:size]) == ROOTS[size]
    assert root_of_hashes([leaf_hash(d) for d in LEAVES[:size]]) == ROOTS[size]
    assert mth(LEAVES[:size]) == ROOTS[size]


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert EMPTY_ROOT == ROOTS[0] == CompactRange().root()


def test_leaf_and_node_hashes_are_the_reference_subtree_hashes() -> None:
    assert [leaf_hash(d) for d in LEAVES] == NODE_HASHES[0]
    for level in range(1, 4):
        below = NODE_HASHES[level - 1]
        assert [node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(below) // 2)] == NODE_HASHES[level]


@pytest.mark.parametrize("size", range(9))
def test_the_compact_range_of_each_size_holds_the_reference_perfect_subtrees(size: int) -> None:
    compact = CompactRange()
    compact.extend(leaf_hash(d) for d in LEAVES[:size])
    assert compact.size == size
    assert list(compact.hashes) == [NODE_HASHES[level][index] for level, index in COMPACT[size]]
    assert compact.root() == ROOTS[size]


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_proofs_are_the_reference_proofs_and_verify(leaf: int, size: int, proof: list[bytes]) -> None:
    assert inclusion_proof(leaf - 1, size, hasher_of(LEAVES)) == proof
    assert verify_inclusion(leaf_hash(LEAVES[leaf - 1]), leaf - 1, size, proof, ROOTS[size])


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY_VECTORS)
def test_consistency_proofs_are_the_reference_proofs_and_verify(size1: int, size2: int, proof: list[bytes]) -> None:
    assert consistency_proof(size1, size2, hasher_of(LEAVES)) == proof
    assert verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])


@pytest.mark.parametrize(("index", "size"), list(NODE_RANGES_INCLUSION))
def test_inclusion_proofs_take_the_reference_nodes(index: int, size: int) -> None:
    assert inclusion_ranges(index, size) == as_ranges(NODE_RANGES_INCLUSION[index, size])


@pytest.mark.parametrize(("size1", "size2"), list(NODE_RANGES_CONSISTENCY))
def test_consistency_proofs_take_the_reference_nodes(size1: int, size2: int) -> None:
    assert consistency_ranges(size1, size2) == as_ranges(NODE_RANGES_CONSISTENCY[size1, size2])


def test_every_proof_in_the_eight_leaf_tree_verifies_against_the_reference_roots() -> None:
    hash_range = hasher_of(LEAVES)
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(index, size, hash_range)
            assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, ROOTS[size]), (index, size)
        for size1 in range(1, size + 1):
            proof = consistency_proof(size1, size, hash_range)
            assert verify_consistency(size1, size, proof, ROOTS[size1], ROOTS[size]), (size1, size)


# --- edge cases ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (1, 1), (2, 1), (8, 8), (-1, 8)])
def test_there_is_no_inclusion_proof_for_a_leaf_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(ValueError):
        inclusion_ranges(index, size)
    assert not verify_inclusion(leaf_hash(b"x"), index, size, [], ROOTS[1])


def test_a_single_leaf_tree_proves_its_leaf_with_an_empty_proof_and_nothing_else() -> None:
    one = leaf_hash(b"data")
    assert verify_inclusion(one, 0, 1, [], one)
    assert not verify_inclusion(one, 0, 1, [], EMPTY_ROOT)
    assert not verify_inclusion(b"", 0, 1, [], one)
    assert not verify_inclusion(b"", 0, 1, [], b"")


@pytest.mark.parametrize(("size1", "size2"), [(0, 0), (0, 5), (5, 4), (9, 8)])
def test_there_is_no_consistency_proof_from_an_empty_or_larger_tree(size1: int, size2: int) -> None:
    with pytest.raises(ValueError):
        consistency_ranges(size1, size2)


def test_equal_sizes_are_consistent_only_with_equal_roots_and_an_empty_proof() -> None:
    assert verify_consistency(5, 5, [], ROOTS[5], ROOTS[5])
    assert not verify_consistency(5, 5, [], ROOTS[5], ROOTS[6])
    assert not verify_consistency(5, 5, [ROOTS[0]], ROOTS[5], ROOTS[5])
    assert verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)


def test_the_empty_tree_is_a_prefix_of_every_tree_with_an_empty_proof() -> None:
    assert verify_consistency(0, 8, [], EMPTY_ROOT, ROOTS[8])
    assert not verify_consistency(0, 8, [], ROOTS[1], ROOTS[8])
    assert not verify_consistency(0, 8, [ROOTS[8]], EMPTY_ROOT, ROOTS[8])


def test_a_tree_never_shrinks_and_a_growing_tree_needs_a_proof() -> None:
    assert not verify_consistency(2, 1, [], ROOTS[2], ROOTS[1])
    assert not verify_consistency(1, 2, [], ROOTS[1], ROOTS[2])


def test_a_compact_range_survives_a_dump_and_load_and_goes_on_growing() -> None:
    compact = CompactRange()
    compact.extend(leaf_hash(d) for d in LEAVES[:5])
    restored = CompactRange.load(compact.dump())
    assert restored == compact and restored.root() == ROOTS[5]
    restored.extend(leaf_hash(d) for d in LEAVES[5:])
    assert restored.root() == ROOTS[8] and compact.size == 5


@pytest.mark.parametrize("text", [
    "", "[]", '{"size": 3, "hashes": []}', '{"size": -1, "hashes": []}', '{"size": "1", "hashes": ["00"]}',
    '{"size": 1, "hashes": ["zz"]}', '{"size": 1, "hashes": ["00"]}', '{"hashes": []}',
])
def test_a_damaged_compact_range_state_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        CompactRange.load(text)


# --- properties ------------------------------------------------------------------------------------

data_leaves = st.lists(st.binary(max_size=12), max_size=70)


@settings(max_examples=150, deadline=None, derandomize=CI)
@given(data_leaves)
def test_incremental_roots_agree_with_the_recursive_definition_at_every_size(leaves: list[bytes]) -> None:
    compact = CompactRange()
    assert compact.root() == mth([])
    for size, data in enumerate(leaves, 1):
        compact.append_leaf(data)
        assert compact.root() == mth(leaves[:size])
    hash_range = hasher_of(leaves)
    assert hash_range(0, len(leaves)) == mth(leaves)


@settings(max_examples=150, deadline=None, derandomize=CI)
@given(data_leaves.filter(bool), st.data())
def test_any_range_hash_is_the_recursive_hash_of_that_slice(leaves: list[bytes], data: st.DataObject) -> None:
    lo = data.draw(st.integers(0, len(leaves)))
    hi = data.draw(st.integers(lo, len(leaves)))
    assert hasher_of(leaves)(lo, hi) == mth(leaves[lo:hi])


@settings(max_examples=200, deadline=None, derandomize=CI)
@given(st.integers(1, 300), st.data())
def test_generated_inclusion_proofs_verify(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    proof = inclusion_proof(index, size, hasher_of(leaves))
    assert verify_inclusion(leaf_hash(leaves[index]), index, size, proof, mth(leaves))


@settings(max_examples=200, deadline=None, derandomize=CI)
@given(st.integers(1, 300), st.data())
def test_generated_consistency_proofs_verify(size2: int, data: st.DataObject) -> None:
    size1 = data.draw(st.integers(1, size2))
    leaves = [i.to_bytes(4, "big") for i in range(size2)]
    proof = consistency_proof(size1, size2, hasher_of(leaves))
    assert verify_consistency(size1, size2, proof, mth(leaves[:size1]), mth(leaves))


# --- every corruption fails ------------------------------------------------------------------------

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def flipped(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ (1 << bit)]) + out[i][1:]
    return out


def inclusion_corruptions(index: int, size: int, proof: list[bytes], root_hash: bytes, leaf: bytes):
    yield "index - 1", (leaf, index - 1, size, proof, root_hash)
    yield "index + 1", (leaf, index + 1, size, proof, root_hash)
    yield "index ^ 2", (leaf, index ^ 2, size, proof, root_hash)
    yield "size * 2", (leaf, index, size * 2, proof, root_hash)
    yield "size / 2", (leaf, index, size // 2, proof, root_hash)
    yield "wrong leaf", (leaf_hash(b"WrongLeaf"), index, size, proof, root_hash)
    yield "empty root", (leaf, index, size, proof, EMPTY_ROOT)
    yield "random root", (leaf, index, size, proof, SOME_HASH)
    yield "extra element", (leaf, index, size, [*proof, SOME_HASH], root_hash)
    yield "trailing root", (leaf, index, size, [*proof, root_hash], root_hash)
    yield "preceding root", (leaf, index, size, [root_hash, *proof], root_hash)
    yield "trailing empty", (leaf, index, size, [*proof, b""], root_hash)
    for i in range(len(proof)):
        for bit in (0, 3, 7):
            yield f"bit {bit} of element {i}", (leaf, index, size, flipped(proof, i, bit), root_hash)
    if proof:
        yield "truncated", (leaf, index, size, proof[:-1], root_hash)
        yield "first element dropped", (leaf, index, size, proof[1:], root_hash)
    if len(proof) > 1:
        yield "inserted element", (leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], root_hash)


def consistency_corruptions(size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes):
    yield "size1 - 1", (size1 - 1, size2, proof, root1, root2)
    yield "size1 + 1", (size1 + 1, size2, proof, root1, root2)
    yield "size1 ^ 2", (size1 ^ 2, size2, proof, root1, root2)
    yield "size2 * 2", (size1, size2 * 2, proof, root1, root2)
    yield "size2 / 2", (size1, size2 // 2, proof, root1, root2)
    yield "wrong root1", (size1, size2, proof, SOME_HASH, root2)
    yield "wrong root2", (size1, size2, proof, root1, SOME_HASH)
    yield "swapped roots", (size1, size2, proof, root2, root1)
    yield "empty proof", (size1, size2, [], root1, root2)
    yield "extra element", (size1, size2, [*proof, SOME_HASH], root1, root2)
    yield "trailing root1", (size1, size2, [*proof, root1], root1, root2)
    yield "trailing root2", (size1, size2, [*proof, root2], root1, root2)
    yield "preceding root1", (size1, size2, [root1, *proof], root1, root2)
    yield "preceding root2", (size1, size2, [root2, *proof], root1, root2)
    yield "preceding proof[0]", (size1, size2, [proof[0], *proof], root1, root2)
    yield "truncated", (size1, size2, proof[:-1], root1, root2)
    for i in range(len(proof)):
        for bit in (0, 4, 7):
            yield f"bit {bit} of element {i}", (size1, size2, flipped(proof, i, bit), root1, root2)


def test_every_corruption_of_the_reference_inclusion_proofs_fails() -> None:
    for leaf, size, proof in INCLUSION_VECTORS:
        args = (leaf - 1, size, proof, ROOTS[size], leaf_hash(LEAVES[leaf - 1]))
        for name, bad in inclusion_corruptions(*args):
            assert not verify_inclusion(*bad), (leaf, size, name)


def test_every_corruption_of_the_reference_consistency_proofs_fails() -> None:
    for size1, size2, proof in CONSISTENCY_VECTORS:
        if not proof:
            continue
        for name, bad in consistency_corruptions(size1, size2, proof, ROOTS[size1], ROOTS[size2]):
            assert not verify_consistency(*bad), (size1, size2, name)


@settings(max_examples=100, deadline=None, derandomize=CI)
@given(st.integers(2, 200), st.data())
def test_every_corruption_of_a_generated_inclusion_proof_fails(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    proof = inclusion_proof(index, size, hasher_of(leaves))
    for name, bad in inclusion_corruptions(index, size, proof, mth(leaves), leaf_hash(leaves[index])):
        assert not verify_inclusion(*bad), name


@settings(max_examples=100, deadline=None, derandomize=CI)
@given(st.integers(2, 200), st.data())
def test_every_corruption_of_a_generated_consistency_proof_fails(size2: int, data: st.DataObject) -> None:
    size1 = data.draw(st.integers(1, size2 - 1))
    leaves = [i.to_bytes(4, "big") for i in range(size2)]
    proof = consistency_proof(size1, size2, hasher_of(leaves))
    for name, bad in consistency_corruptions(size1, size2, proof, mth(leaves[:size1]), mth(leaves)):
        assert not verify_consistency(*bad), name
