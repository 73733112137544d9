"""The audit log checked against its signed checkpoints (SPEC §8; docs/audit-proofs.md §7, §8).

The hash chain shows that the log is consistent with itself — and so is a log rewritten with
fresh hashes from some entry on, or cut at its end. A signed checkpoint fixes the Merkle root of
the first ``size`` entries; no one without the signing key can make a rewritten log give it.
:func:`disburse.domain.audit.walk_rows` walks the chain and compares the roots in one pass; here:

* :func:`signed_roots` opens every stored checkpoint's signed note with the instance's verifier
  keys — the note, not the table's ``size`` and ``root`` columns, is what was signed, and a
  checkpoint whose signature does not verify is itself a failure;
* :func:`verdict` names the first entry that disagrees with a checkpoint, as precisely as the
  evidence allows. A root says *that* the first ``size`` entries differ, not *which*. The leaf
  hash of every entry was recorded (``audit_leaves``) when a checkpoint first covered it; when
  the recorded leaves between the last matching checkpoint and the first failing one give the
  failing checkpoint's signed root, they are exactly the signed leaves, and the first entry whose
  leaf differs from its recorded one is the first changed entry; the first missing one, when the
  log was cut. When they do not (the attacker rewrote them too), the first differing entry is
  known only to lie after the last checkpoint that still matches: the report names that range.
"""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from disburse.domain import merkle
from disburse.domain.audit import GENESIS, SEQ_AT, ChainReport, Walk, encode_row
from disburse.domain.checkpoint import (
    InvalidSignature,
    NoteError,
    UnverifiedNote,
    Verifier,
    open_checkpoint,
    parse_verifier_key,
)


class CheckpointRefused(ValueError):
    """A stored checkpoint that cannot be trusted (its signature, its note, its row); ``size`` names it."""

    def __init__(self, size: int | None, reason: str) -> None:
        super().__init__(reason)
        self.size = size
        self.reason = reason


def signed_roots(stored: Iterable[Sequence[Any]], public_keys: Sequence[str]) -> dict[int, bytes]:
    """The signed Merkle root of each size, from stored ``(size, root hex, note)`` checkpoints.

    Each note must be a checkpoint signed by one of ``public_keys`` (verifier key lines, as
    :func:`disburse.services.checkpoints.public_keys` gives them) named as its origin, hold the
    stored size and root, and agree with every other checkpoint of its size; the empty log's root
    is the empty tree's. Otherwise :class:`CheckpointRefused`.
    """
    verifiers: list[Verifier] = []
    for line in public_keys:
        try:
            verifiers.append(parse_verifier_key(line))
        except NoteError as exc:
            raise CheckpointRefused(None, f"the verifier key {line[:48]!r} is not usable: {exc}") from exc
    roots: dict[int, bytes] = {}
    for size, root, note in stored:
        try:
            checkpoint = open_checkpoint(note, verifiers)
        except NoteError as exc:
            raise CheckpointRefused(size, f"checkpoint {size}: {_refusal(exc, verifiers)}") from exc
        if (checkpoint.size, checkpoint.root.hex()) != (size, root):
            raise CheckpointRefused(size, f"checkpoint {size}: the stored size and root are not the ones its note "
                                          f"signs (size {checkpoint.size}): the checkpoint table was edited")
        if size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
            raise CheckpointRefused(size, "checkpoint 0: its root is not the empty tree's")
        if roots.setdefault(size, checkpoint.root) != checkpoint.root:
            raise CheckpointRefused(size, f"checkpoint {size}: two signed checkpoints of {size} entries with "
                                          "different roots: the key signed two different logs")
    return roots


def _refusal(exc: NoteError, verifiers: Sequence[Verifier]) -> str:
    if isinstance(exc, InvalidSignature):
        return f"{exc}: the note was changed after it was signed, or its signature was"
    if isinstance(exc, UnverifiedNote):
        if not verifiers:
            return ("no verifier key is known here to check its signature (the signing key file, or "
                    "DISBURSE_AUDIT_PUBLIC_KEYS; docs/audit-proofs.md §8)")
        return "not signed by a verifier key of this log (signed by another key, or by none)"
    return f"not a signed checkpoint ({exc})"


def refused(exc: CheckpointRefused) -> ChainReport:
    """The report of a checkpoint that cannot be trusted: nothing was verified, no entry is named."""
    return ChainReport(False, 0, GENESIS, None, exc.reason, checkpoint=exc.size)


def reread(walk: Walk) -> tuple[int, int, int] | None:
    """What :func:`verdict` needs read again when a root differs: ``(after, leaves upto, entries upto)``.

    The recorded leaf hashes ``after < seq ≤ leaves upto`` (up to the failing checkpoint's size)
    and the entries ``after < seq ≤ entries upto`` (those read before the chain broke, and no
    further than the failing size); ``None`` when every signed root holds.
    """
    if walk.differs is None or walk.differs == 0:
        return None
    limit = min(walk.differs, walk.count)
    if walk.chain.first_broken is not None:
        limit = min(limit, walk.chain.first_broken - 1)
    return walk.proven, walk.differs, max(limit, walk.proven)


def verdict(walk: Walk, roots: dict[int, bytes], leaves: Iterable[Sequence[Any]] = (),
            entries: Iterable[Sequence[Sequence[Any]]] = ()) -> ChainReport:
    """The report of the whole check: the chain's first break, or the first entry a checkpoint disputes.

    ``leaves`` are the recorded ``(seq, leaf hash hex)`` and ``entries`` the rows (in batches) that
    :func:`reread` names, in sequence order; neither is read when every signed root holds.
    """
    checked = len(roots)
    size = walk.differs
    if size is None:
        return replace(walk.chain, checkpoints=checked, covered=walk.proven)
    if size == 0:
        return ChainReport(False, 0, GENESIS, None, "checkpoint 0: its root is not the empty tree's",
                           checkpoints=checked, checkpoint=0)
    span = reread(walk)
    assert span is not None
    _after, _leaves_upto, limit = span
    trusted, changed, head = _compare(walk, roots[size], limit, leaves, entries)
    chain, proven, count = walk.chain, walk.proven, walk.count
    found = {"checkpoints": checked, "covered": proven, "checkpoint": size}
    broken = chain.first_broken
    if changed is not None and (broken is None or changed < broken):
        return ChainReport(False, changed - 1, head, changed, (
            f"entry {changed}: not the entry checkpoint {size} signed — its Merkle leaf hash is not the one "
            "recorded when it was signed (the recorded leaf hashes give the signed root), yet the hash chain "
            f"holds up to it: the log was rewritten from entry {changed} on with fresh hashes"), **found)
    if broken is not None:
        doubt = "" if trusted or broken <= proven + 1 else (
            f"; checkpoint {size} disagrees with the log too, and the recorded leaf hashes, which do not give "
            f"its signed root, cannot tell whether entries {proven + 1}–{broken - 1} differ as well")
        return replace(chain, reason=f"{chain.reason}{doubt}", checkpoints=checked, covered=proven, checkpoint=size)
    if count < size and (trusted or proven == count):
        return ChainReport(False, count, head, count + 1, (
            f"entry {count + 1}: missing — checkpoint {size} signed {size} entries, the log has {count}: "
            f"entries {count + 1}–{size} were removed from its end"), **found)
    first, last = proven + 1, min(size, count + 1)
    matching = f"entries 1–{proven} give the root of checkpoint {proven}, so " if proven else ""
    if count < size:
        what = (f"checkpoint {size} signed {size} entries, the log has {count}: entries from {count + 1} on "
                f"were removed, and {matching}the first differing entry is one of {first}–{last}")
    else:
        what = (f"the first {size} entries do not give the Merkle root checkpoint {size} signed; {matching}the "
                f"first differing entry is one of {first}–{last}: the log was rewritten from there on with "
                f"fresh hashes, or the checkpoint was signed over another log")
    return ChainReport(False, proven, walk.proven_head, first, (
        f"entries {first}–{last}: {what}. No more can be said: the recorded leaf hashes do not give the "
        "signed root either (rewritten or removed too)"), first_broken_upto=last, **found)


def _compare(walk: Walk, signed: bytes, limit: int, leaves: Iterable[Sequence[Any]],
             entries: Iterable[Sequence[Sequence[Any]]]) -> tuple[bool, int | None, str]:
    """Whether the recorded leaves after the last matching checkpoint give the ``signed`` root; the first
    entry up to ``limit`` whose leaf is not its recorded one; the hash of the entry before it (or of
    entry ``limit`` when none differs)."""
    tree = merkle.CompactRange(walk.proven, walk.proven_tree.hashes)
    rows = (row for batch in entries for row in batch)
    head, changed, complete = walk.proven_head, None, True
    for seq, recorded in leaves:
        try:
            leaf = bytes.fromhex(recorded)
            tree.append(leaf)
        except (TypeError, ValueError):
            complete = False
        if seq != tree.size or not complete:
            complete = False
            break
        if changed is None and seq <= limit:
            row = next(rows, None)
            if row is None or row[SEQ_AT] != seq or merkle.leaf_hash(encode_row(row)) != leaf:
                changed = seq
            else:
                head = row[16]
    trusted = complete and tree.size == walk.differs and tree.root() == signed
    return trusted, changed if trusted else None, head
