"""The hash chain catches every modified, deleted, inserted or reordered entry (SPEC §8)."""

from datetime import UTC, datetime, timedelta

from disburse.domain.audit import GENESIS, canonical_json, entry_hash, verify_chain


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
