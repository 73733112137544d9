"""The log against its signed checkpoints, without a database (docs/audit-proofs.md §8.1)."""

from typing import Any

import pytest

from disburse.domain import merkle
from disburse.domain.audit import GENESIS, SEQ_AT, encode_row, entry_hash, row_of, walk_rows
from disburse.domain.audit_signed import CheckpointRefused, reread, signed_roots, verdict
from disburse.domain.checkpoint import Checkpoint, generate_key, parse_signer_key, sign_checkpoint
from tests.unit.test_audit_chain import chain

ORIGIN = "disburse/unit"
SECRET, PUBLIC = generate_key(ORIGIN)
KEY = parse_signer_key(SECRET)


def rows_of(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [row_of(e) + (e["hash"],) for e in entries]


def rehashed_from(entries: list[dict[str, Any]], seq: int, note: str = "改过") -> list[dict[str, Any]]:
    """The log rewritten from ``seq`` on with fresh hashes: its chain is whole."""
    out = [dict(e) for e in entries]
    prev = out[seq - 2]["hash"] if seq > 1 else GENESIS
    for e in out[seq - 1:]:
        if e["seq"] == seq:
            e["note"] = note
        e["prev_hash"] = prev
        e["hash"] = prev = entry_hash(e)
    return out


def leaves(rows: list[tuple[Any, ...]]) -> list[tuple[int, str]]:
    return [(i, merkle.leaf_hash(encode_row(row)).hex()) for i, row in enumerate(rows, 1)]


def stored(rows: list[tuple[Any, ...]], *sizes: int) -> list[tuple[int, str, str]]:
    out = []
    for size in sizes:
        root = merkle.root(encode_row(row) for row in rows[:size])
        out.append((size, root.hex(), sign_checkpoint(Checkpoint(ORIGIN, size, root), KEY)))
    return out


def check(rows: list[tuple[Any, ...]], signed: list[tuple[int, str, str]],
          recorded: list[tuple[int, str]]) -> Any:
    roots = signed_roots(signed, [PUBLIC])
    walk = walk_rows([rows], roots)
    span = reread(walk)
    if span is None:
        return verdict(walk, roots)
    after, leaves_upto, entries_upto = span
    return verdict(walk, roots, [leaf for leaf in recorded if after < leaf[0] <= leaves_upto],
                   [[row for row in rows if after < row[SEQ_AT] <= entries_upto]])


ORIGINAL = chain(40)
ROWS = rows_of(ORIGINAL)
SIGNED = stored(ROWS, 0, 20, 40)
RECORDED = leaves(ROWS)


def test_an_untouched_log_holds_every_checkpoint() -> None:
    report = check(ROWS, SIGNED, RECORDED)
    assert (report.ok, report.entries, report.checkpoints, report.covered) == (True, 40, 3, 40)


def test_a_rewrite_with_fresh_hashes_is_named_by_the_recorded_leaves() -> None:
    report = check(rows_of(rehashed_from(ORIGINAL, 25)), SIGNED, RECORDED)
    assert (report.ok, report.first_broken, report.first_broken_upto, report.checkpoint) == (False, 25, None, 40)
    assert report.entries == 24 and report.head == ORIGINAL[23]["hash"]


def test_a_rewrite_whose_leaves_were_rewritten_too_is_bounded_by_the_checkpoints() -> None:
    rewritten = rows_of(rehashed_from(ORIGINAL, 25))
    report = check(rewritten, SIGNED, leaves(rewritten))
    assert (report.first_broken, report.first_broken_upto, report.covered) == (21, 40, 20)
    assert report.head == ORIGINAL[19]["hash"]


def test_a_cut_log_names_its_first_missing_entry() -> None:
    report = check(ROWS[:33], SIGNED, RECORDED)
    assert (report.first_broken, report.entries, report.head) == (34, 33, ORIGINAL[32]["hash"])
    assert report.reason.startswith("entry 34: missing")


def test_a_cut_and_rewritten_log_names_the_rewritten_entry() -> None:
    report = check(rows_of(rehashed_from(ORIGINAL, 25))[:33], SIGNED, RECORDED)
    assert report.first_broken == 25


def test_a_chain_break_before_the_first_changed_leaf_is_named_first() -> None:
    broken = [dict(e) for e in ORIGINAL]
    broken[21]["note"] = "改过"  # entry 22, not rehashed
    report = check(rows_of(broken), SIGNED, RECORDED)
    assert (report.first_broken, report.reason) == (22, "hash does not match the entry's contents")


@pytest.mark.parametrize(("keys", "note_of", "message"), [
    ([], None, "no verifier key is known here"),
    ([generate_key(ORIGIN)[1]], None, "not signed by a verifier key of this log"),
    ([PUBLIC], lambda note: note.replace("\n20\n", "\n19\n"), "invalid signature"),
    (["not a key"], None, "is not usable"),
])
def test_a_checkpoint_that_cannot_be_trusted_is_refused(keys: list[str], note_of: Any, message: str) -> None:
    signed = [(size, root, note_of(note) if note_of and size == 20 else note) for size, root, note in SIGNED]
    with pytest.raises(CheckpointRefused, match=message):
        signed_roots(signed, keys)
