"""The audit log's hash chain (SPEC §8).

Each entry is hashed over its canonical bytes, which include the previous
entry's hash: SHA-256 over UTF-8 JSON with sorted keys, no insignificant white
space and times in UTC to the microsecond. Changing, deleting, inserting or
reordering an entry breaks the chain at that entry, and :func:`verify_chain`
names the first one.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

#: The fields that are hashed, in the order they are documented.
HASHED_FIELDS = (
    "seq", "at", "actor_id", "actor_username", "actor_role", "action", "entity_type",
    "entity_id", "project_id", "from_state", "to_state", "data", "note", "request_id",
    "client_addr", "prev_hash",
)


def format_time(at: datetime) -> str:
    """A UTC time as hashed: ``2026-11-22T08:00:00.000000Z`` (naive times are UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    """The one JSON form used for hashing and for the stored ``data`` text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_bytes(entry: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash covers: every hashed field, ``data`` as its stored text."""
    record = {name: entry.get(name) for name in HASHED_FIELDS}
    at = record["at"]
    if isinstance(at, datetime):
        record["at"] = format_time(at)
    return canonical_json(record).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    head: str
    first_broken: int | None = None
    reason: str | None = None


def verify_chain(entries: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk the entries in sequence order and name the first that breaks the chain.

    An entry is broken when its sequence number is not the next one (a deletion
    or insertion), its ``prev_hash`` is not the previous entry's hash (reordering
    or deletion), or its own hash does not match its bytes (modification).
    """
    prev = GENESIS
    count = 0
    for entry in entries:
        seq = entry["seq"]
        expected_seq = count + 1
        if seq != expected_seq:
            return ChainReport(False, count, prev, expected_seq,
                               f"sequence broken: expected {expected_seq}, found {seq}")
        if entry["prev_hash"] != prev:
            return ChainReport(False, count, prev, seq, "prev_hash does not match the previous entry")
        if entry_hash(entry) != entry["hash"]:
            return ChainReport(False, count, prev, seq, "hash does not match the entry's contents")
        prev = entry["hash"]
        count += 1
    return ChainReport(True, count, prev)
