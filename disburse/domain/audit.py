"""The audit log's hash chain (SPEC §8; the bytes are specified in docs/audit-format.md).

Each entry is hashed over its canonical bytes, which include the previous
entry's hash: SHA-256 over UTF-8 JSON with sorted keys, no insignificant white
space and times in UTC to the microsecond. Changing, deleting, inserting or
reordering an entry breaks the chain at that entry, and :func:`verify_chain`
names the first one.

The one encoder is :func:`encode_row`: it takes the hashed fields as a tuple in
:data:`CANONICAL_ORDER` (the sorted key order) with the time already in its
canonical text, and writes the JSON object with one precomputed format and the
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

_FORMAT = "{" + ",".join(f'"{name}":%s' for name in CANONICAL_ORDER) + "}"
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
    try:
        text = _FORMAT % (
            _enc(action),
            _NULL if actor_id is None else _int(actor_id),
            _NULL if actor_role is None else _enc(actor_role),
            _NULL if actor_username is None else _enc(actor_username),
            _enc(at),
            _NULL if client_addr is None else _enc(client_addr),
            _enc(data),
            _NULL if entity_id is None else _enc(entity_id),
            _NULL if entity_type is None else _enc(entity_type),
            _NULL if from_state is None else _enc(from_state),
            _NULL if note is None else _enc(note),
            _enc(prev_hash),
            _NULL if project_id is None else _int(project_id),
            _NULL if request_id is None else _enc(request_id),
            _int(seq),
            _NULL if to_state is None else _enc(to_state),
        )
    except TypeError:  # a value of an unexpected type: the generic (and slower) encoder
        text = canonical_json(dict(zip(CANONICAL_ORDER, row[:16], strict=True)))
    else:
        if type(actor_id) is bool or type(project_id) is bool or type(seq) is bool:
            # json writes true/false where int.__repr__ writes 1/0
            text = canonical_json(dict(zip(CANONICAL_ORDER, row[:16], strict=True)))
    return text.encode("utf-8")


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
    sha256 = hashlib.sha256
    encode = encode_row
    leaf_of = merkle.leaf_hash
    seq_at, prev_at = SEQ_AT, PREV_AT
    roots = dict(signed or {})
    sizes = iter(sorted(roots))
    ahead = next(sizes, None)
    tree = merkle.CompactRange()
    proven, proven_tree, proven_head = 0, merkle.CompactRange(), GENESIS
    if ahead == 0:  # a checkpoint of the empty log: its root is the empty tree's
        if roots[0] != merkle.EMPTY_ROOT:
            return Walk(ChainReport(True, 0, GENESIS), 0, differs=0)
        ahead = next(sizes, None)
    chain: ChainReport | None = None
    prev = GENESIS
    count = 0
    for rows in batches:
        for row in rows:
            if chain is not None and ahead is None:
                return Walk(chain, count, proven, proven_tree, proven_head)
            count += 1
            data = encode(row)
            if chain is None:
                seq = row[seq_at]
                if seq != count:
                    chain = ChainReport(False, count - 1, prev, count,
                                        f"sequence broken: expected {count}, found {seq}")
                elif row[prev_at] != prev:
                    chain = ChainReport(False, count - 1, prev, seq, "prev_hash does not match the previous entry")
                elif sha256(data).hexdigest() != row[16]:
                    chain = ChainReport(False, count - 1, prev, seq, "hash does not match the entry's contents")
                else:
                    prev = row[16]
            if ahead is not None:
                tree.append(leaf_of(data))
                if count == ahead:
                    if tree.root() != roots[ahead]:
                        return Walk(chain or ChainReport(True, count, prev), count, proven, proven_tree,
                                    proven_head, differs=ahead)
                    proven, proven_tree, proven_head = count, merkle.CompactRange(count, tree.hashes), row[16]
                    ahead = next(sizes, None)
    return Walk(chain or ChainReport(True, count, prev), count, proven, proven_tree, proven_head, differs=ahead)


def verify_rows(batches: Iterable[Sequence[Sequence[Any]]]) -> ChainReport:
    """The hash chain of rows in sequence order (:func:`walk_rows` without checkpoints): the first break."""
    return walk_rows(batches).chain


def verify_chain(entries: Iterable[Mapping[str, Any]]) -> ChainReport:
    """:func:`verify_rows` over entry mappings (each with its ``hash``)."""
    return verify_rows([row_of(entry) + (entry["hash"],)] for entry in entries)
