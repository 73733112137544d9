"""The hash chain catches every modified, deleted, inserted or reordered entry (SPEC §8)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disburse.domain.audit import (
    CANONICAL_ORDER,
    GENESIS,
    HASHED_FIELDS,
    canonical_bytes,
    canonical_json,
    encode_row,
    entry_hash,
    format_time,
    row_of,
    verify_chain,
    verify_rows,
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
