#!/usr/bin/env python3
"""Check an exported audit log against signed checkpoints, offline (SPEC §8, issue 8).

Usage::

    python tools/verify_audit.py --export DIR --public-key FILE [--checkpoint FILE ...] [--entry SEQ]

``DIR`` is what ``disburse audit export DIR`` wrote (docs/audit-proofs.md §5): ``entries.jsonl``,
``checkpoints/*.txt`` and ``public_key``. ``--public-key`` is the log's verifier key line(s) as the
inspector got them from a source they trust — not necessarily the export's own ``public_key``.
``--checkpoint`` adds checkpoints the inspector kept from earlier visits. The script:

1. checks every checkpoint's Ed25519 signature (C2SP signed-note) by a listed key named as the
   checkpoint's origin, and that all checkpoints are of one log;
2. checks the hash chain of ``entries.jsonl``: entries numbered 1, 2, 3, … in order, each ``hash``
   the SHA-256 of its leaf, each ``prev_hash`` the previous entry's ``hash``, the readable fields
   equal to the leaf's;
3. recomputes the RFC 9162 Merkle root of the first ``size`` entries for every checkpoint and
   compares it with the signed root — so the checkpoints are consistent with each other exactly
   when they are all prefixes of this one log;
4. with ``--entry SEQ``, builds the inclusion proof of that entry in the newest checkpoint and
   verifies it (RFC 9162 §2.1.3).

Exit status 0 when everything holds, with a short summary; 1 with the first failure, naming the
first entry that differs from what the checkpoints signed (or the range it lies in, when the
evidence cannot be narrower: docs/audit-proofs.md §7); 2 for a usage error.

This file deliberately needs nothing but the Python standard library and ``cryptography``, and
imports nothing from the application: an inspector runs it on their own machine, without the
application or its dependencies, and can read all of it. The Merkle tree and signed-note code is
therefore a small copy of ``disburse/domain/merkle.py`` and ``disburse/domain/checkpoint.py``; the
unit tests build exports with those modules and check this script against them.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
GENESIS = "0" * 64

class Failed(Exception):
    """The first thing that does not hold; its text is what the script prints."""


class UsageError(Exception):
    """Arguments that do not name usable input."""


# --- The Merkle tree, RFC 9162 §2.1 (a copy of disburse/domain/merkle.py) ---------------------------

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The roots of the perfect subtrees of the leaves appended so far: the root of any prefix in O(n)."""

    def __init__(self) -> None:
        self.size = 0
        self.hashes: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        size, h = self.size, leaf
        while size & 1:
            h = node_hash(self.hashes.pop(), h)
            size >>= 1
        self.hashes.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            acc = node_hash(h, acc)
        return acc


def range_hasher(leaf_hashes: Sequence[bytes]) -> Callable[[int, int], bytes]:
    """hash_range(lo, hi) = MTH(D[lo:hi]), perfect subtrees memoised."""
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
        n = hi - lo
        if n & (n - 1) == 0:
            return perfect(lo, n)
        k = split_point(n)
        return node_hash(perfect(lo, k), hash_range(lo + k, hi))

    return hash_range


def inclusion_proof(index: int, size: int, hash_range: Callable[[int, int], bytes]) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, the leaf's sibling first."""
    proof: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index - lo < k:
            proof.append(hash_range(lo + k, hi))
            hi = lo + k
        else:
            proof.append(hash_range(lo, lo + k))
            lo += k
    proof.reverse()
    return proof


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- Signed notes and checkpoints, C2SP signed-note and tlog-checkpoint (a copy of checkpoint.py) -----

@dataclass(frozen=True)
class Key:
    name: str
    key_id: int
    public_key: bytes


@dataclass(frozen=True)
class Checkpoint:
    source: str
    origin: str
    size: int
    root: bytes


def key_id(name: str, public_key: bytes) -> int:
    """SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian."""
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4], "big")


def valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def parse_key(line: str) -> Key:
    """A verifier key line ``name+keyid+base64(0x01 ‖ Ed25519 public key)`` (golang.org/x/mod/sumdb/note)."""
    parts = line.split("+", 2)
    if len(parts) != 3 or not valid_name(parts[0]) or len(parts[1]) != 8:
        raise ValueError("not a verifier key (name+keyid+base64)")
    name, hex_id, b64 = parts
    try:
        wanted, raw = int(hex_id, 16), base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ValueError("not a verifier key (name+keyid+base64)") from exc
    if len(raw) != 33 or raw[0] != 0x01:
        raise ValueError("not an Ed25519 verifier key")
    if key_id(name, raw[1:]) != wanted:
        raise ValueError("the key ID does not match the name and key")
    return Key(name, wanted, raw[1:])


def open_checkpoint(source: str, message: bytes, keys: Sequence[Key]) -> Checkpoint:
    """The checkpoint in a signed note, once a known key named as its origin has signed it."""
    try:
        note = message.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Failed(f"checkpoint {source}: not UTF-8 text") from exc
    if any(ch < " " and ch != "\n" for ch in note):
        raise Failed(f"checkpoint {source}: malformed note (a control character)")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise Failed(f"checkpoint {source}: malformed note (no blank line before the signatures)")
    text, block = note[: split + 1], note[split + 2:]
    known = {(k.name, k.key_id): k for k in keys}
    signed_by: set[str] = set()
    for line in block[:-1].split("\n"):
        name, _, b64 = line.removeprefix("— ").partition(" ")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error:
            blob = b""
        if not line.startswith("— ") or not valid_name(name) or len(blob) < 5:
            raise Failed(f"checkpoint {source}: malformed signature line {line[:40]!r}")
        key = known.get((name, int.from_bytes(blob[:4], "big")))
        if key is None:
            continue  # signed-note: signatures by unknown keys are ignored
        try:
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(blob[4:], text.encode())
        except InvalidSignature:
            raise Failed(f"checkpoint {source}: invalid signature by key {name}+{key.key_id:08x}") from None
        signed_by.add(name)
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise Failed(f"checkpoint {source}: not a checkpoint (origin, size, root)")
    origin, size_text, root_text = lines[:3]
    if not (size_text.isascii() and size_text.isdigit()) or (size_text != "0" and size_text[0] == "0"):
        raise Failed(f"checkpoint {source}: the size {size_text!r} is not a number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        root = b""
    if len(root) != 32:
        raise Failed(f"checkpoint {source}: the root is not a base64 SHA-256 hash")
    if origin not in signed_by:
        raise Failed(f"checkpoint {source}: not signed by a key of {origin!r} in the public key file "
                     f"(signed by another key, or by none)")
    return Checkpoint(source, origin, int(size_text), root)


# --- The export --------------------------------------------------------------------------------------

def read_keys(path: Path) -> list[Key]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the public key file {path}: {exc}") from exc
    keys = []
    for number, line in enumerate(lines, 1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                keys.append(parse_key(line.strip()))
            except ValueError as exc:
                raise UsageError(f"{path}, line {number}: {exc}") from exc
    if not keys:
        raise UsageError(f"{path}: no verifier key in it")
    return keys


def read_checkpoints(paths: Sequence[tuple[str, Path]], keys: Sequence[Key]) -> list[Checkpoint]:
    checkpoints = []
    for label, path in paths:
        try:
            message = path.read_bytes()
        except OSError as exc:
            raise Failed(f"checkpoint {label}: cannot be read ({exc.strerror})") from exc
        checkpoints.append(open_checkpoint(label, message, keys))
    if not checkpoints:
        raise Failed("no checkpoint: nothing to check the entries against")
    origins = sorted({c.origin for c in checkpoints})
    if len(origins) > 1:
        odd = next(c for c in checkpoints if c.origin != checkpoints[0].origin)
        raise Failed(f"checkpoint {odd.source}: of the log {odd.origin!r}, the others of {checkpoints[0].origin!r}")
    for c in checkpoints:
        if c.size == 0 and c.root != EMPTY_ROOT:
            raise Failed(f"checkpoint {c.source}: size 0 with a root other than the empty tree's")
    return checkpoints


@dataclass
class Finding:
    """Where the evidence first breaks: the entry named, and why."""

    entry: int
    position: int  # the line at which it was seen
    reason: str


class Walk:
    """One pass over entries.jsonl: the first chain finding, the leaf hashes, the prefix roots."""

    def __init__(self, sizes: set[int]) -> None:
        self.sizes = sizes
        self.finding: Finding | None = None
        self.leaf_hashes: list[bytes] = []
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}
        self.recent: deque[str] = deque([GENESIS], maxlen=3)  # the exported hashes of the last entries read
        self.frontier = Frontier()

    def note(self, entry: int, position: int, reason: str) -> None:
        if self.finding is None:
            self.finding = Finding(entry, position, reason)

    def add(self, position: int, line: str) -> bool:
        """Take one line; False when it cannot be read as an entry (the walk stops there)."""
        try:
            obj = json.loads(line)
            leaf = base64.b64decode(obj["leaf_b64"], validate=True)
            fields = json.loads(leaf)
            seq, prev, stated = fields["seq"], fields["prev_hash"], obj["hash"]
            if type(seq) is not int or not isinstance(prev, str) or not isinstance(stated, str):
                raise TypeError("seq, prev_hash or hash of the wrong type")
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            self.note(position, position, f"line {position} of entries.jsonl is not an entry ({exc})")
            return False
        lh = leaf_hash(leaf)
        self.leaf_hashes.append(lh)
        self.frontier.append(lh)
        if self.frontier.size in self.sizes:
            self.roots[self.frontier.size] = self.frontier.root()
        own = hashlib.sha256(leaf).hexdigest()
        self.recent.append(stated)
        if self.finding is None:
            self._check(position, obj, fields, own)
        return True

    def _check(self, pos: int, obj: dict, fields: dict, own: str) -> None:
        seq, prev = fields["seq"], fields["prev_hash"]
        before = self.recent[-2]  # the previous entry's hash (GENESIS before the first)
        two_back = self.recent[-3] if pos >= 2 else None
        for name, value in obj.items():
            if name not in ("leaf_b64", "hash") and not _same(fields, name, value):
                self.note(pos, pos, f"the readable field {name!r} is not the one in the entry's leaf")
                return
        if obj["hash"] != own:
            self.note(pos, pos, "its hash is not the SHA-256 of its leaf: the entry was changed")
        elif seq > pos:
            self.note(pos, pos, f"expected here, found entry {seq} instead: entry {pos} was deleted, "
                                "or entries were reordered")
        elif seq == pos - 1 and prev == two_back:
            self.note(pos - 1, pos, f"inserted: two entries are numbered {seq} and both follow entry {pos - 2}")
        elif seq < pos:
            self.note(pos, pos, f"entry {seq} found again here: an entry was inserted, or entries reordered")
        elif prev != before:
            if prev == two_back:
                self.note(pos - 1, pos, f"inserted: entry {pos} is chained to entry {pos - 2}, not to it")
            else:
                self.note(pos - 1, pos, f"its hash is not the prev_hash entry {pos} was chained to: "
                                        f"entry {pos - 1} was changed (and rehashed), or entry {pos}'s link was")


def _same(fields: dict, name: str, value: object) -> bool:
    """Whether the leaf holds ``name`` with this value, of the same JSON type (1 is not 1.0 nor true)."""
    return name in fields and type(fields[name]) is type(value) and fields[name] == value


def walk_entries(path: Path, sizes: set[int]) -> Walk:
    walk = Walk(sizes)
    try:
        with path.open(encoding="utf-8") as lines:
            for position, line in enumerate(lines, 1):
                if not walk.add(position, line):
                    break
    except OSError as exc:
        raise Failed(f"the export has no readable entries.jsonl ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise Failed(f"entries.jsonl is not UTF-8 ({exc.reason})") from exc
    return walk


def _range(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first}–{last}"


def judge(walk: Walk, checkpoints: Sequence[Checkpoint]) -> None:
    """Raise :class:`Failed` naming the first differing entry, or return when the log is as signed.

    A checkpoint whose root is the root of the first ``size`` exported entries proves those entries;
    the smallest checkpoint that does not match bounds the first differing entry from above. A chain
    finding names one entry; an entry inside a proven prefix cannot differ, so when the finding
    names one, the entry at which it was seen is named instead.
    """
    count = len(walk.leaf_hashes)
    matched = {c.size for c in checkpoints if walk.roots.get(c.size) == c.root}
    bad = sorted((c for c in checkpoints if walk.roots.get(c.size) != c.root), key=lambda c: c.size)
    finding = walk.finding
    if finding is not None and (not bad or finding.entry <= bad[0].size):
        proven = max((s for s in matched if s < finding.position), default=0)
        entry = finding.entry if finding.entry > proven else finding.position
        raise Failed(f"entry {entry}: {finding.reason}")
    if bad:
        first = bad[0]
        proven = max((s for s in matched if s < first.size), default=0)
        where = _range(proven + 1, first.size)
        if first.size > count:
            raise Failed(f"{_range(count + 1, first.size)}: missing — checkpoint {first.source} signed "
                         f"{first.size} entries, the export has {count}")
        signed, computed = (base64.b64encode(h).decode() for h in (first.root, walk.roots[first.size]))
        proof = f"entries 1–{proven} match the checkpoint of size {proven}, so " if proven else ""
        raise Failed(f"{where}: the first {first.size} entries do not give the root of checkpoint {first.source} "
                     f"(signed {signed}, computed {computed}); {proof}the first differing entry is "
                     f"{where.removeprefix('entry ').replace('entries ', 'one of ')}")


def prove_entry(walk: Walk, checkpoints: Sequence[Checkpoint], seq: int) -> list[str]:
    newest = max(checkpoints, key=lambda c: c.size)
    if seq > newest.size:
        raise Failed(f"entry {seq}: not in the newest checkpoint {newest.source} (size {newest.size})")
    proof = inclusion_proof(seq - 1, newest.size, range_hasher(walk.leaf_hashes))
    if not verify_inclusion(walk.leaf_hashes[seq - 1], seq - 1, newest.size, proof, newest.root):
        raise Failed(f"entry {seq}: its inclusion proof in checkpoint {newest.source} does not verify")
    lines = [f"entry {seq} is included in checkpoint {newest.source} (size {newest.size}, root "
             f"{base64.b64encode(newest.root).decode()}): RFC 9162 inclusion proof of {len(proof)} hashes verified"]
    lines += [f"  {i}: {h.hex()}" for i, h in enumerate(proof)]
    return lines


def verify(export: Path, public_key: Path, kept: Sequence[Path], entry: int | None) -> list[str]:
    """Every check, in order; the summary lines when all hold (else :class:`Failed`)."""
    if not export.is_dir():
        raise UsageError(f"{export} is not a directory")
    keys = read_keys(public_key)
    files = sorted((export / "checkpoints").glob("*.txt"))
    sources = [(f"checkpoints/{f.name}", f) for f in files] + [(str(p), p) for p in kept]
    checkpoints = read_checkpoints(sources, keys)
    walk = walk_entries(export / "entries.jsonl", {c.size for c in checkpoints})
    judge(walk, checkpoints)
    count = len(walk.leaf_hashes)
    sizes = ", ".join(str(s) for s in sorted({c.size for c in checkpoints}))
    summary = [
        f"OK: {count} entries, hash chain intact (head {walk.recent[-1]})",
        f"OK: {len(checkpoints)} checkpoints of {checkpoints[0].origin} ({len(files)} in the export, {len(kept)} "
        f"kept), signatures valid; sizes {sizes}: each is the Merkle root of that many entries, so all are "
        "consistent with each other and with the export",
    ]
    if entry is not None:
        summary += prove_entry(walk, checkpoints, entry)
    return summary + exported_key_note(export / "public_key", keys)


def exported_key_note(path: Path, keys: Sequence[Key]) -> list[str]:
    """A remark when the export's own public_key is not the key file the inspector trusted."""
    if not path.is_file():
        return ["note: the export has no public_key file"]
    try:
        theirs = set(read_keys(path))
    except UsageError:
        return ["note: the export's public_key file holds no valid verifier key"]
    if theirs != set(keys):
        return ["note: the export's public_key lists other keys than --public-key; only --public-key was trusted"]
    return []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check an exported audit log against signed checkpoints.")
    parser.add_argument("--export", required=True, type=Path, help="the directory `disburse audit export` wrote")
    parser.add_argument("--public-key", required=True, type=Path, help="the log's verifier key line(s)")
    parser.add_argument("--checkpoint", action="append", default=[], type=Path,
                        help="a signed checkpoint kept earlier (repeatable)")
    parser.add_argument("--entry", type=int, help="also prove this entry (its seq) in the newest checkpoint")
    args = parser.parse_args(argv)
    if args.entry is not None and args.entry < 1:
        parser.error("--entry is an entry's seq: 1 or more")
    for path in args.checkpoint:
        if not path.is_file():
            parser.error(f"--checkpoint {path}: no such file")
    try:
        summary = verify(args.export, args.public_key, args.checkpoint, args.entry)
    except UsageError as exc:
        parser.error(str(exc))
    except Failed as exc:
        print(f"FAILED: {exc}")
        return EXIT_FAILED
    print("\n".join(summary))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
