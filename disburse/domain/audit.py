"""The audit log's hash chain (SPEC §8; the bytes are specified in docs/audit-format.md).

Each entry is hashed over its canonical bytes, which include the previous
entry's hash: SHA-256 over UTF-8 JSON with sorted keys, no insignificant white
space and times in UTC to the microsecond. Changing, deleting, inserting or
reordering an entry breaks the chain at that entry, and :func:`verify_chain`
names the first one.

The one encoder is :func:`encode_row`: it takes the hashed fields as a tuple in
:data:`CANONICAL_ORDER` (the sorted key order) with the time already in its
canonical text, and writes the JSON object as one f-string (its keys in that order) and the
``json`` module's C string escaper. Appending (through :func:`canonical_bytes`)
and verifying (straight from database rows) both go through it. A value of an
unexpected type (a ``NULL`` where a string belongs, text in an integer column)
takes the generic ``json.dumps`` path, which gives identical bytes for
well-typed values and different bytes for anything else.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from operator import methodcaller
from typing import Any

from disburse.domain import merkle

GENESIS = "0" * 64

#: The fields that are hashed, in the order they are documented.
HASHED_FIELDS = (
    "seq", "at", "actor_id", "actor_username", "actor_role", "action", "entity_type",
    "entity_id", "project_id", "from_state", "to_state", "data", "note", "request_id",
    "client_addr", "prev_hash",
)

#: The same fields in the order they appear in the canonical bytes (sorted keys).
CANONICAL_ORDER = tuple(sorted(HASHED_FIELDS))
SEQ_AT = CANONICAL_ORDER.index("seq")
PREV_AT = CANONICAL_ORDER.index("prev_hash")

_NULL = "null"
_enc = encode_basestring  # the C escaper json.dumps(ensure_ascii=False) uses for str
_int = int.__repr__       # raises TypeError for anything that is not an int


def format_time(at: datetime) -> str:
    """A UTC time as hashed: ``2026-11-22T08:00:00.000000Z`` (naive times are UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    """The one JSON form used for hashing and for the stored ``data`` text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def encode_row(row: Sequence[Any]) -> bytes:
    """The canonical bytes of the first 16 values of ``row``, in :data:`CANONICAL_ORDER`.

    ``at`` must already be the canonical time text (:func:`format_time`); any
    further items of ``row`` (the stored hash) are ignored.
    """
    (action, actor_id, actor_role, actor_username, at, client_addr, data, entity_id, entity_type,
     from_state, note, prev_hash, project_id, request_id, seq, to_state) = row[:16]
    try:  # an f-string, in CANONICAL_ORDER: built in one step, no format parsed at run time
        text = (
            f'{{"action":{_enc(action)},"actor_id":{_NULL if actor_id is None else _int(actor_id)},'
            f'"actor_role":{_NULL if actor_role is None else _enc(actor_role)},'
            f'"actor_username":{_NULL if actor_username is None else _enc(actor_username)},"at":{_enc(at)},'
            f'"client_addr":{_NULL if client_addr is None else _enc(client_addr)},"data":{_enc(data)},'
            f'"entity_id":{_NULL if entity_id is None else _enc(entity_id)},'
            f'"entity_type":{_NULL if entity_type is None else _enc(entity_type)},'
            f'"from_state":{_NULL if from_state is None else _enc(from_state)},'
            f'"note":{_NULL if note is None else _enc(note)},"prev_hash":{_enc(prev_hash)},'
            f'"project_id":{_NULL if project_id is None else _int(project_id)},'
            f'"request_id":{_NULL if request_id is None else _enc(request_id)},"seq":{_int(seq)},'
            f'"to_state":{_NULL if to_state is None else _enc(to_state)}}}'
        )
    except TypeError:  # a value of an unexpected type: the generic (and slower) encoder
        text = canonical_json(dict(zip(CANONICAL_ORDER, row[:16], strict=True)))
    else:
        if type(actor_id) is bool or type(project_id) is bool or type(seq) is bool:
            # json writes true/false where int.__repr__ writes 1/0
            text = canonical_json(dict(zip(CANONICAL_ORDER, row[:16], strict=True)))
    return text.encode("utf-8")


def encode_rows(rows: Iterable[Sequence[Any]]) -> list[bytes]:
    """:func:`encode_row` of each row of a batch."""
    return list(map(encode_row, rows))


def row_of(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """An entry mapping as the tuple :func:`encode_row` takes (a datetime ``at`` formatted)."""
    row = tuple(entry.get(name) for name in CANONICAL_ORDER)
    at = row[CANONICAL_ORDER.index("at")]
    if isinstance(at, datetime):
        row = tuple(format_time(at) if name == "at" else value for name, value in zip(CANONICAL_ORDER, row,
                                                                                      strict=True))
    return row


def canonical_bytes(entry: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash covers: every hashed field, ``data`` as its stored text."""
    return encode_row(row_of(entry))


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """What a check of the log found: ``ok``, or the first entry that breaks and why.

    ``entries`` and ``head`` are the entries verified before the break (all of them when ``ok``)
    and the last one's hash. Checked against signed checkpoints (:mod:`disburse.domain.audit_signed`)
    the report also says how many checkpoints were checked and how many entries they prove
    (``checkpoints``, ``covered``); a failure against a checkpoint names it (``checkpoint``, its
    size); when the evidence bounds the first differing entry only to a range, the range is
    ``first_broken``–``first_broken_upto``; a checkpoint that is itself not valid (its signature)
    has no entry to name: ``first_broken`` is ``None``.
    """

    ok: bool
    entries: int
    head: str
    first_broken: int | None = None
    reason: str | None = None
    checkpoints: int = 0
    covered: int = 0
    checkpoint: int | None = None
    first_broken_upto: int | None = None


@dataclass(frozen=True)
class Walk:
    """One pass over the log: its hash chain up to the first break, and the signed roots compared.

    ``count`` rows were read. ``proven`` is the largest signed size whose root the first ``proven``
    rows give — those entries are exactly the signed ones — with the tree (``proven_tree``) and the
    hash of the entry (``proven_head``) at that size. ``differs`` is the smallest signed size whose
    root they do not give, or that is beyond the rows read (entries cut off the end); ``None`` when
    every signed root holds.
    """

    chain: ChainReport
    count: int
    proven: int = 0
    proven_tree: merkle.CompactRange = field(default_factory=merkle.CompactRange)
    proven_head: str = GENESIS
    differs: int | None = None


_hexdigest = methodcaller("hexdigest")
_digest = methodcaller("digest")
_LEAF = b"\x00".__add__


def _links_hold(rows: Sequence[Sequence[Any]], blobs: Sequence[bytes], first_seq: int, prev: str | None) -> bool:
    """Whether every row of a batch holds: numbered from ``first_seq`` on, each ``prev_hash`` the hash
    before it (the first one ``prev``, unless ``None``), each hash that of its bytes — in C loops."""
    if [row[SEQ_AT] for row in rows] != list(range(first_seq, first_seq + len(rows))):
        return False
    hashes = [row[16] for row in rows]
    prevs = [row[PREV_AT] for row in rows]
    if prevs[1:] != hashes[:-1] or (prev is not None and prevs[0] != prev):
        return False
    return list(map(_hexdigest, map(hashlib.sha256, blobs))) == hashes


def leaf_hashes(blobs: Iterable[bytes]) -> list[bytes]:
    """The Merkle leaf hash of each entry's canonical bytes (:func:`merkle.leaf_hash`, in C loops)."""
    return list(map(_digest, map(hashlib.sha256, map(_LEAF, blobs))))


def _perfect_root(leaves: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree (a power-of-two number of leaf hashes), level by level."""
    level = list(leaves)
    while len(level) > 1:
        level = list(map(merkle.node_hash, level[0::2], level[1::2]))
    return level[0]


def subtrees(start: int, leaves: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """The leaves ``start ≤ i < start + len(leaves)`` as aligned perfect subtrees ``(height, root)``,
    in order: each the largest that starts at its position, is aligned to its size and fits."""
    out: list[tuple[int, bytes]] = []
    at, i, n = start, 0, len(leaves)
    while i < n:
        height = (n - i).bit_length() - 1
        if at:
            height = min(height, (at & -at).bit_length() - 1)
        width = 1 << height
        out.append((height, _perfect_root(leaves[i:i + width])))
        at, i = at + width, i + width
    return out


def graft(tree: merkle.CompactRange, height: int, root: bytes) -> merkle.CompactRange:
    """``tree`` with a perfect subtree of ``2**height`` leaves appended; its size must be a multiple
    of that (as :func:`subtrees` cuts them): the subtree merges like a carry in binary addition."""
    size, hashes, h = tree.size >> height, list(tree.hashes), root
    if (size << height) != tree.size:
        raise ValueError(f"a subtree of {1 << height} leaves cannot start at {tree.size}")
    while size & 1:
        h = merkle.node_hash(hashes.pop(), h)
        size >>= 1
    hashes.append(h)
    return merkle.CompactRange(tree.size + (1 << height), hashes)


class _Walker:
    """The state of :func:`walk_rows`: the chain so far, the tree, the next signed size."""

    def __init__(self, signed: Mapping[int, bytes] | None) -> None:
        self.roots = dict(signed or {})
        self.sizes = iter(sorted(self.roots))
        self.ahead = next(self.sizes, None)
        self.tree = merkle.CompactRange()
        self.proven, self.proven_tree, self.proven_head = 0, merkle.CompactRange(), GENESIS
        self.chain: ChainReport | None = None
        self.prev = GENESIS
        self.count = 0

    def walk(self, differs: int | None = None) -> Walk:
        return Walk(self.chain or ChainReport(True, self.count, self.prev), self.count, self.proven,
                    self.proven_tree, self.proven_head, differs=differs)

    def batch(self, rows: Sequence[Sequence[Any]]) -> Walk | None:
        """Take a batch; the walk when it ends in this batch. An intact batch is checked in C loops
        (and its Merkle leaves grafted as perfect subtrees); a batch where something breaks goes
        row by row, to name the entry exactly as before."""
        blobs = encode_rows(rows)
        if self.chain is None and _links_hold(rows, blobs, self.count + 1, self.prev):
            start, self.prev = self.count, rows[-1][16]
            self.count += len(rows)
            if self.ahead is None:
                return None
            leaves = leaf_hashes(blobs[:self.ahead - start])
            while self.ahead is not None and self.ahead <= self.count:
                upto = self.ahead - start
                for height, root in subtrees(self.tree.size, leaves[self.tree.size - start:upto]):
                    self.tree = graft(self.tree, height, root)
                head = rows[upto - 1][16]
                if self.tree.root() != self.roots[self.ahead]:
                    return Walk(ChainReport(True, self.ahead, head), self.ahead, self.proven, self.proven_tree,
                                self.proven_head, differs=self.ahead)
                self.proven, self.proven_tree, self.proven_head = self.ahead, self.tree, head
                self.ahead = next(self.sizes, None)
                if self.ahead is not None:
                    leaves += leaf_hashes(blobs[len(leaves):self.ahead - start])
            for height, root in subtrees(self.tree.size, leaves[self.tree.size - start:]):
                self.tree = graft(self.tree, height, root)
            return None
        for row, data in zip(rows, blobs, strict=True):
            if (done := self.row(row, data)) is not None:
                return done
        return None

    def row(self, row: Sequence[Any], data: bytes) -> Walk | None:
        """Take one row (its bytes ``data``); the walk when it ends here."""
        if self.chain is not None and self.ahead is None:
            return self.walk()
        self.count += 1
        count = self.count
        if self.chain is None:
            seq = row[SEQ_AT]
            if seq != count:
                self.chain = ChainReport(False, count - 1, self.prev, count,
                                         f"sequence broken: expected {count}, found {seq}")
            elif row[PREV_AT] != self.prev:
                self.chain = ChainReport(False, count - 1, self.prev, seq,
                                         "prev_hash does not match the previous entry")
            elif hashlib.sha256(data).hexdigest() != row[16]:
                self.chain = ChainReport(False, count - 1, self.prev, seq, "hash does not match the entry's contents")
            else:
                self.prev = row[16]
        if self.ahead is not None:
            self.tree = graft(self.tree, 0, merkle.leaf_hash(data))
            if count == self.ahead:
                if self.tree.root() != self.roots[count]:
                    return self.walk(differs=count)
                self.proven, self.proven_tree, self.proven_head = count, self.tree, row[16]
                self.ahead = next(self.sizes, None)
        return None


def walk_rows(batches: Iterable[Sequence[Sequence[Any]]], signed: Mapping[int, bytes] | None = None) -> Walk:
    """Walk rows in sequence order: the first that breaks the chain, and the signed roots checked.

    Each row is the 16 hashed values in :data:`CANONICAL_ORDER` (``at`` as its canonical text)
    followed by the stored hash; rows come in batches (lists). An entry is broken when its sequence
    number is not the next one (a deletion or insertion), its ``prev_hash`` is not the previous
    entry's hash (reordering or deletion), or its own hash does not match its bytes (modification).

    ``signed`` maps tree sizes to the Merkle roots checkpoints signed for them. While there is a
    signed size ahead, each row's bytes are also a Merkle leaf (docs/audit-proofs.md §1: leaf
    ``seq − 1``, the rows in their order) and the tree's root is compared at each signed size. A log
    rewritten with fresh hashes keeps its chain but not the signed roots; a log cut short never
    reaches the largest signed size. The walk stops at the first root that differs, or at a break in
    the chain once no signed size is ahead; otherwise it reads every row.
    """
    walker = _Walker(signed)
    if walker.ahead == 0:  # a checkpoint of the empty log: its root is the empty tree's
        if walker.roots[0] != merkle.EMPTY_ROOT:
            return Walk(ChainReport(True, 0, GENESIS), 0, differs=0)
        walker.ahead = next(walker.sizes, None)
    for rows in batches:
        if rows and (done := walker.batch(rows)) is not None:
            return done
    return walker.walk(differs=walker.ahead)


@dataclass(frozen=True)
class RangeCheck:
    """What :func:`check_range` found in the rows ``after < seq ≤ …`` of the log, on their own.

    ``intact`` when they are numbered ``after + 1, after + 2, …`` with no gap, each links to the one
    before and hashes to its stored hash; ``first_prev`` is the first row's ``prev_hash`` (to be
    joined with the hash of entry ``after``) and ``last_hash`` the last row's hash. ``subtrees`` are
    the range's Merkle leaves up to the largest signed size, as aligned perfect subtrees
    ``(height, root)`` cut at every signed size, in order (:func:`graft` them onto the tree of the
    first ``after`` entries). Not ``intact`` says only *that* something breaks there:
    :func:`walk_rows` over the log names *what*.
    """

    intact: bool
    count: int = 0
    first_prev: str | None = None
    last_hash: str | None = None
    subtrees: tuple[tuple[int, bytes], ...] = ()


def check_range(batches: Iterable[Sequence[Sequence[Any]]], after: int, sizes: Iterable[int] = ()) -> RangeCheck:
    """Check one range of the log on its own (ranges are verified in parallel and joined at their
    boundaries); ``sizes`` are the signed tree sizes: those above ``after`` cut the leaves."""
    cuts = sorted(size for size in sizes if size > after)
    leaves_upto = cuts[-1] if cuts else after
    count, first_prev, last_hash = 0, None, None
    leaves: list[bytes] = []
    for rows in batches:
        if not rows:
            continue
        blobs = encode_rows(rows)
        if not _links_hold(rows, blobs, after + count + 1, last_hash):
            return RangeCheck(False)
        if first_prev is None:
            first_prev = rows[0][PREV_AT]
        last_hash = rows[-1][16]
        if after + count < leaves_upto:
            leaves += leaf_hashes(blobs[:leaves_upto - after - count])
        count += len(rows)
    pieces: list[tuple[int, bytes]] = []
    start, end = after, after + len(leaves)
    for cut in [*cuts, end]:
        cut = min(cut, end)
        if cut > start:
            pieces += subtrees(start, leaves[start - after:cut - after])
            start = cut
    return RangeCheck(True, count, first_prev, last_hash, tuple(pieces))


def verify_rows(batches: Iterable[Sequence[Sequence[Any]]]) -> ChainReport:
    """The hash chain of rows in sequence order (:func:`walk_rows` without checkpoints): the first break."""
    return walk_rows(batches).chain


def verify_chain(entries: Iterable[Mapping[str, Any]]) -> ChainReport:
    """:func:`verify_rows` over entry mappings (each with its ``hash``)."""
    return verify_rows([row_of(entry) + (entry["hash"],)] for entry in entries)
