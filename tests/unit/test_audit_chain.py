"""The hash chain catches every modified, deleted, inserted or reordered entry (SPEC §8)."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disburse.domain import merkle
from disburse.domain.audit import (
    CANONICAL_ORDER,
    GENESIS,
    HASHED_FIELDS,
    PREV_AT,
    SEQ_AT,
    ChainReport,
    Walk,
    canonical_bytes,
    canonical_json,
    check_range,
    encode_row,
    encode_rows,
    entry_hash,
    format_time,
    graft,
    row_of,
    verify_chain,
    verify_rows,
    walk_rows,
)


def chain(n: int) -> list[dict]:
    entries, prev = [], GENESIS
    start = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    for seq in range(1, n + 1):
        record = {"seq": seq, "at": start + timedelta(seconds=seq), "actor_id": 1,
                  "actor_username": "u", "actor_role": "commerce", "action": "project.file",
                  "entity_type": "project", "entity_id": "1", "project_id": 1,
                  "from_state": "plan_drafted", "to_state": "filed",
                  "data": canonical_json({"n": seq}), "note": None, "request_id": None,
                  "client_addr": None, "prev_hash": prev}
        record["hash"] = entry_hash(record)
        prev = record["hash"]
        entries.append(record)
    return entries


def test_an_intact_chain_verifies() -> None:
    report = verify_chain(chain(5))
    assert report.ok and report.entries == 5 and report.head == chain(5)[-1]["hash"]


def test_a_modified_entry_is_named() -> None:
    entries = chain(5)
    entries[2]["note"] = "changed"
    report = verify_chain(entries)
    assert not report.ok and report.first_broken == 3


def test_a_deleted_entry_is_named() -> None:
    entries = chain(5)
    del entries[1]
    assert verify_chain(entries).first_broken == 2


def test_the_last_entry_deleted_changes_the_head() -> None:
    entries = chain(5)
    assert verify_chain(entries[:-1]).head != verify_chain(entries).head


def test_reordered_entries_are_named() -> None:
    entries = chain(5)
    entries[1], entries[2] = entries[2], entries[1]
    assert not verify_chain(entries).ok


def test_an_inserted_entry_is_named() -> None:
    entries = chain(5)
    forged = dict(entries[2], note="forged")
    entries.insert(3, forged)
    report = verify_chain(entries)
    assert not report.ok and report.first_broken == 4


def test_a_rehashed_forgery_still_breaks_the_next_link() -> None:
    entries = chain(5)
    entries[1]["note"] = "forged"
    entries[1]["hash"] = entry_hash(entries[1])
    report = verify_chain(entries)
    assert not report.ok and report.first_broken == 3


# --- the one encoder: byte for byte the sorted-key JSON, however the values look -------------

def reference_bytes(entry: dict) -> bytes:
    """The definition in docs/audit-format.md, written the slow and obvious way."""
    record = {name: entry.get(name) for name in HASHED_FIELDS}
    record["at"] = format_time(record["at"])
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
maybe_text = st.none() | text
maybe_int = st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=300, deadline=None)
@given(seq=st.integers(min_value=1, max_value=2**62), at=st.datetimes(timezones=st.just(UTC)),
       ints=st.tuples(maybe_int, maybe_int), texts=st.lists(maybe_text, min_size=9, max_size=9),
       action=text, data=text, prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_the_fast_encoder_writes_exactly_the_documented_bytes(seq, at, ints, texts, action, data, prev) -> None:
    entry = dict(zip(("actor_username", "actor_role", "entity_type", "entity_id", "from_state", "to_state",
                      "note", "request_id", "client_addr"), texts, strict=True))
    entry.update(seq=seq, at=at, actor_id=ints[0], project_id=ints[1], action=action, data=data, prev_hash=prev)
    assert canonical_bytes(entry) == reference_bytes(entry)


def test_control_characters_quotes_and_chinese_are_escaped_as_json_does() -> None:
    entry = chain(1)[0]
    entry["note"] = '引号"\\ \n\t\x00\x1f\x7f\u2028 /'
    assert canonical_bytes(entry) == reference_bytes(entry)
    assert b'\\"\\\\ \\n\\t\\u0000\\u001f\x7f' in canonical_bytes(entry)


def test_the_canonical_order_is_the_sorted_key_order() -> None:
    assert list(CANONICAL_ORDER) == sorted(HASHED_FIELDS)
    assert canonical_bytes(chain(1)[0]).startswith(b'{"action":"project.file","actor_id":1,')


@pytest.mark.parametrize(("field", "value"), [
    ("actor_id", "1"), ("project_id", 1.0), ("seq", "1"), ("actor_id", True), ("action", None), ("at", None),
    ("data", 5), ("prev_hash", None),
])
def test_a_value_of_another_type_gives_other_bytes_not_an_error(field: str, value: object) -> None:
    entry = chain(1)[0]
    row = list(row_of(entry))
    original = encode_row(row)
    row[CANONICAL_ORDER.index(field)] = value
    assert encode_row(row) != original


@pytest.mark.parametrize("field", [f for f in HASHED_FIELDS if f not in ("seq", "prev_hash")])
def test_a_change_to_any_hashed_field_is_named(field: str) -> None:
    entries = chain(6)
    original = entries[3][field]
    if field == "at":
        entries[3][field] = original + timedelta(microseconds=1)
    elif isinstance(original, int):
        entries[3][field] = original + 1
    elif original is None:
        entries[3][field] = ""
    else:
        entries[3][field] = original + " "
    report = verify_chain(entries)
    assert not report.ok and report.first_broken == 4
    assert report.reason == "hash does not match the entry's contents"


def test_a_changed_prev_hash_or_hash_or_seq_is_named() -> None:
    for field, value, broken in (("prev_hash", "f" * 64, 3), ("hash", "f" * 64, 3), ("seq", 9, 3)):
        entries = chain(5)
        entries[2][field] = value
        report = verify_chain(entries)
        assert not report.ok and report.first_broken == broken, field


def test_rows_in_batches_verify_like_one_list() -> None:
    rows = [row_of(e) + (e["hash"],) for e in chain(7)]
    whole = verify_rows([rows])
    assert whole.ok and whole == verify_rows([rows[:3], rows[3:5], rows[5:]])
    assert verify_rows([]) == verify_chain([]) and verify_rows([]).head == GENESIS


# --- The one encoder against its definition, and the batch walk against the walk row by row -----------

def documented_bytes(row: tuple) -> bytes:
    """docs/audit-format.md §2: json.dumps of the sixteen fields, sorted keys, no blanks, not ASCII-escaped."""
    return json.dumps(dict(zip(CANONICAL_ORDER, row[:16], strict=True)), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str).encode("utf-8")


_odd_text = st.sampled_from(['"', "\\", "\n\r\t\b\f", "\x00\x1f\x7f", "\u2028\u2029", "审核通过", "😀", "</script>",
                             "%s %d %%", "", " ", '{"a":"b\\"c"}'])
_texts = st.one_of(st.none(), st.text(max_size=40), _odd_text)
_ints = st.one_of(st.none(), st.integers(), st.integers(min_value=2**63 - 2, max_value=2**80),
                  st.integers(max_value=-(2**63)))
_times = st.one_of(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1),
                 timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=11))])),
).map(format_time)
_odd = st.sampled_from([True, False, 1.0, 0.5, datetime(2026, 1, 1), b"x", [1], {"a": 1}])


def _row(value_of: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    return st.tuples(*(value_of.get(name, st.sampled_from(["0" * 64, "f" * 64]) if name == "prev_hash" else
                                    _ints if name in ("actor_id", "project_id", "seq") else _texts)
                       for name in CANONICAL_ORDER))


@settings(max_examples=400, deadline=None)
@given(st.lists(_row({"at": _times, "seq": st.integers(min_value=1)}), min_size=1, max_size=6))
def test_the_encoder_writes_the_reference_bytes_for_well_typed_rows(rows: list[tuple]) -> None:
    assert encode_rows(rows) == [encode_row(row) for row in rows] == [documented_bytes(row) for row in rows]
    assert [canonical_bytes(dict(zip(CANONICAL_ORDER, row, strict=True))) for row in rows] == encode_rows(rows)


@settings(max_examples=300, deadline=None)
@given(_row({}), st.sampled_from(range(16)), st.one_of(_odd, st.integers(), st.text(max_size=5), st.none()))
def test_the_encoder_writes_the_reference_bytes_for_values_of_any_type(row: tuple, at: int, value: object) -> None:
    odd = row[:at] + (value,) + row[at + 1:]
    assert encode_row(odd) == documented_bytes(odd)


def test_every_at_text_form_is_hashed_as_written() -> None:
    moments = [datetime(2026, 11, 22, 8, 0), datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
               datetime(2026, 11, 22, 16, 0, 0, 1, tzinfo=timezone(timedelta(hours=8))),
               datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)]
    texts = ["2026-11-22T08:00:00.000000Z", "2026-11-22T08:00:00.000000Z", "2026-11-22T08:00:00.000001Z",
             "1999-12-31T23:59:59.999999Z"]
    assert [format_time(m) for m in moments] == texts
    for moment in moments:
        entry = chain(1)[0] | {"at": moment}
        assert canonical_bytes(entry) == documented_bytes(row_of(entry))


def walk_row_by_row(rows: list[tuple], signed: dict[int, bytes]) -> tuple:
    """The walk of docs/audit-format.md §4 and docs/audit-proofs.md §8, one row at a time, as written."""
    roots, tree, prev, chain_report, count = dict(signed), merkle.CompactRange(), GENESIS, None, 0
    sizes = iter(sorted(roots))
    ahead = next(sizes, None)
    proven, proven_hashes, proven_head = 0, (), GENESIS
    if ahead == 0:  # the empty log's checkpoint (its root checked when it was stored)
        ahead = next(sizes, None)
    for row in rows:
        if chain_report is not None and ahead is None:
            break
        count += 1
        data = documented_bytes(row)
        if chain_report is None:
            if row[SEQ_AT] != count:
                chain_report = ChainReport(False, count - 1, prev, count,
                                           f"sequence broken: expected {count}, found {row[SEQ_AT]}")
            elif row[PREV_AT] != prev:
                chain_report = ChainReport(False, count - 1, prev, row[SEQ_AT],
                                           "prev_hash does not match the previous entry")
            elif hashlib.sha256(data).hexdigest() != row[16]:
                chain_report = ChainReport(False, count - 1, prev, row[SEQ_AT],
                                           "hash does not match the entry's contents")
            else:
                prev = row[16]
        if ahead is not None:
            tree.append_leaf(data)
            if count == ahead:
                if tree.root() != roots[ahead]:
                    return (chain_report or ChainReport(True, count, prev), count, proven, proven_hashes,
                            proven_head, ahead)
                proven, proven_hashes, proven_head = count, tree.hashes, row[16]
                ahead = next(sizes, None)
    return chain_report or ChainReport(True, count, prev), count, proven, proven_hashes, proven_head, ahead


def _summary(walk: Walk) -> tuple:
    return walk.chain, walk.count, walk.proven, walk.proven_tree.hashes, walk.proven_head, walk.differs


_TAMPERS = {
    "none": lambda rows: rows,
    "note": lambda rows: [r[:10] + ("改过",) + r[11:] if r[SEQ_AT] == 9 else r for r in rows],
    "gap": lambda rows: [r for r in rows if r[SEQ_AT] != 12],
    "swap": lambda rows: rows[:5] + [rows[6], rows[5]] + rows[7:],
    "cut": lambda rows: rows[:15],
    "rehashed": lambda rows: rehash(rows, 11),
}


def rehash(rows: list[tuple], seq: int) -> list[tuple]:
    out, prev = [], GENESIS
    for row in rows:
        if row[SEQ_AT] >= seq:
            row = row[:PREV_AT] + (prev,) + row[PREV_AT + 1:16]
            row = row[:10] + ("重写",) + row[11:] if row[SEQ_AT] == seq else row
            row += (hashlib.sha256(encode_row(row)).hexdigest(),)
        out.append(row)
        prev = row[16]
    return out


@pytest.mark.parametrize("tamper", list(_TAMPERS))
@pytest.mark.parametrize("sizes", [(), (0,), (4, 16), (1, 8, 13, 20), (17,), (30,)])
def test_the_batch_walk_finds_what_the_row_by_row_walk_finds(tamper: str, sizes: tuple[int, ...]) -> None:
    rows = [row_of(e) + (e["hash"],) for e in chain(20)]
    signed = {size: merkle.root(encode_row(r) for r in rows[:size]) for size in sizes if size <= 20}
    signed |= {size: b"\x07" * 32 for size in sizes if size > 20}
    tampered = _TAMPERS[tamper](rows)
    expected = walk_row_by_row(tampered, signed)
    for batch in (1, 2, 3, 7, 64):
        batches = [tampered[i:i + batch] for i in range(0, len(tampered), batch)]
        assert _summary(walk_rows(batches, signed)) == expected, batch


@pytest.mark.parametrize("cuts", [(5,), (8, 16), (1, 2, 3, 19), (11,)])
def test_ranges_checked_apart_join_into_the_whole_chain_and_tree(cuts: tuple[int, ...]) -> None:
    rows = [row_of(e) + (e["hash"],) for e in chain(20)]
    sizes = (3, 8, 13, 16)
    bounds = [0, *cuts, 20]
    tree, prev = merkle.CompactRange(), GENESIS
    for after, upto in zip(bounds, bounds[1:], strict=False):
        part = rows[after:upto]
        check = check_range([part[:4], part[4:]], after, sizes)
        assert check.intact and check.count == upto - after and check.first_prev == prev
        prev = check.last_hash
        for height, root in check.subtrees:
            tree = graft(tree, height, root)
            if tree.size in sizes:
                assert tree.root() == merkle.root(encode_row(r) for r in rows[:tree.size])
    assert tree.size == 16 and prev == rows[-1][16]
    broken = rows[4:9]
    assert not check_range([broken[:2] + broken[3:]], 4, sizes).intact
    assert not check_range([broken], 3, sizes).intact


def test_the_encoder_writes_the_keys_in_the_canonical_order() -> None:
    written = json.loads(encode_row(row_of(chain(1)[0])))
    assert tuple(written) == CANONICAL_ORDER == tuple(sorted(HASHED_FIELDS))
