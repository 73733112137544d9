"""The offline verifier catches every change to an exported log against the checkpoints (issue 8).

Exports are built here with the application's own code (canonical bytes, Merkle roots, signed
checkpoints) in the layout of docs/audit-proofs.md §5, then changed as an attacker with database
access would, and ``tools/verify_audit.py`` is run on them as an inspector runs it: a subprocess.
"""

import ast
import base64
import functools
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disburse.domain import merkle
from disburse.domain.audit import GENESIS, HASHED_FIELDS, canonical_bytes, canonical_json, entry_hash
from disburse.domain.checkpoint import Checkpoint, Signer, generate_key, parse_signer_key, sign_checkpoint

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_audit.py"
ORIGIN = "disburse/test-county"
SIZES = (5, 12, 20)
CI = bool(os.environ.get("CI"))

Entry = dict[str, Any]


@pytest.fixture(scope="module")
def key() -> Signer:
    return parse_signer_key(generate_key(ORIGIN)[0])


@pytest.fixture(scope="module")
def other_key() -> Signer:
    return parse_signer_key(generate_key(ORIGIN)[0])


def log(n: int = 20) -> list[Entry]:
    """A valid chain of ``n`` entries, as the application appends them."""
    entries: list[Entry] = []
    start = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    for seq in range(1, n + 1):
        entries.append({
            "seq": seq, "at": (start + timedelta(minutes=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": 1 + seq % 3, "actor_username": "审核员" if seq % 2 else "u", "actor_role": "commerce",
            "action": "payment.approve" if seq % 4 == 0 else "project.file", "entity_type": "project",
            "entity_id": str(seq), "project_id": 1, "from_state": "plan_drafted", "to_state": "filed",
            "data": canonical_json({"n": seq, "金额": "1000.00"}), "note": None, "request_id": f"r{seq}",
            "client_addr": "10.0.0.1", "prev_hash": GENESIS,
        })
    rechain(entries)
    return entries


def rechain(entries: list[Entry], start: int = 0) -> None:
    """Renumber and rehash from ``start`` (0-based) on: what an attacker rewriting the log does."""
    for i in range(start, len(entries)):
        entries[i]["seq"] = i + 1
        entries[i]["prev_hash"] = entries[i - 1]["hash"] if i else GENESIS
        entries[i]["hash"] = entry_hash(entries[i])


def rehash(entry: Entry) -> None:
    entry["hash"] = entry_hash(entry)


def signed(key: Signer, entries: Sequence[Entry], size: int) -> str:
    leaves = [canonical_bytes(e) for e in entries[:size]]
    return sign_checkpoint(Checkpoint(ORIGIN, size, merkle.root(leaves)), key)


def write_export(directory: Path, entries: Sequence[Entry], key: Signer, sizes: Sequence[int] = SIZES) -> Path:
    """The export layout of docs/audit-proofs.md §5."""
    (directory / "checkpoints").mkdir(parents=True, exist_ok=True)
    write_entries(directory, entries)
    for size in sizes:
        (directory / "checkpoints" / f"{size:012d}.txt").write_text(signed(key, entries, size), encoding="utf-8")
    (directory / "public_key").write_text(f"{key.verifier}\n", encoding="utf-8")
    return directory


def write_entries(directory: Path, entries: Sequence[Entry]) -> None:
    lines = []
    for entry in entries:
        leaf = canonical_bytes(entry)
        readable = {name: entry[name] for name in sorted(HASHED_FIELDS)}
        lines.append(json.dumps({**readable, "hash": entry["hash"], "leaf_b64": base64.b64encode(leaf).decode()},
                                ensure_ascii=False))
    (directory / "entries.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def verify(export: Path, *args: str | Path, public_key: Path | None = None,
           python: str | Path = sys.executable) -> subprocess.CompletedProcess[str]:
    key_file = public_key or export / "public_key"
    command = [str(python), "-I", str(TOOL), "--export", str(export), "--public-key", str(key_file), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=export.parent, timeout=120)


def failed_with(result: subprocess.CompletedProcess[str], start: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"FAILED: {start}"), result.stdout
    return result.stdout


@pytest.fixture
def export(tmp_path: Path, key: Signer) -> Path:
    return write_export(tmp_path / "export", log(), key)


def tampered(export: Path, change: Callable[[list[Entry]], object]) -> Path:
    """Rewrite the export's entries as the database would give them after ``change``."""
    entries = log()
    change(entries)
    write_entries(export, entries)
    return export


# --- an intact log ---------------------------------------------------------------------------------

def test_an_intact_export_verifies_with_a_summary(export: Path) -> None:
    result = verify(export)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: 20 entries, hash chain intact")
    assert f"3 checkpoints of {ORIGIN}" in result.stdout and "sizes 5, 12, 20" in result.stdout
    assert "note:" not in result.stdout


def test_the_inclusion_of_an_entry_is_proved_in_the_newest_checkpoint(export: Path) -> None:
    result = verify(export, "--entry", "7")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "entry 7 is included in checkpoint checkpoints/000000000020.txt (size 20" in result.stdout
    leaves = [merkle.leaf_hash(canonical_bytes(e)) for e in log()]
    proof = merkle.inclusion_proof(6, 20, merkle.range_hasher(leaves))
    assert [line.split(": ")[1] for line in result.stdout.splitlines() if line.startswith("  ")] == \
        [h.hex() for h in proof]


def test_checkpoints_the_inspector_kept_are_checked_too(export: Path, tmp_path: Path, key: Signer) -> None:
    kept = tmp_path / "kept-12.txt"
    kept.write_text(signed(key, log(), 12), encoding="utf-8")
    result = verify(export, "--checkpoint", kept)
    assert result.returncode == 0 and "(3 in the export, 1 kept)" in result.stdout


def test_a_rotated_key_verifies_when_the_key_file_lists_old_and_new(tmp_path: Path, key: Signer,
                                                                   other_key: Signer) -> None:
    export = write_export(tmp_path / "export", log(), key, sizes=(5, 12))
    (export / "checkpoints" / "000000000020.txt").write_text(signed(other_key, log(), 20), encoding="utf-8")
    both = tmp_path / "keys"
    both.write_text(f"# {ORIGIN}: the key before and after the cut-over at size 20\n{key.verifier}\n"
                    f"{other_key.verifier}\n", encoding="utf-8")
    assert verify(export, public_key=both).returncode == 0
    only_new = tmp_path / "new-key"
    only_new.write_text(f"{other_key.verifier}\n", encoding="utf-8")
    failed_with(verify(export, public_key=only_new), "checkpoint checkpoints/000000000005.txt: not signed by a key")


def test_an_export_whose_own_key_file_differs_is_noted(export: Path, tmp_path: Path, key: Signer,
                                                      other_key: Signer) -> None:
    (export / "public_key").write_text(f"{other_key.verifier}\n", encoding="utf-8")
    trusted = tmp_path / "trusted"
    trusted.write_text(f"{key.verifier}\n", encoding="utf-8")
    result = verify(export, public_key=trusted)
    assert result.returncode == 0 and "note: the export's public_key lists other keys" in result.stdout


# --- a changed log names the first differing entry -------------------------------------------------

def test_a_modified_entry_is_named(export: Path) -> None:
    def change(entries: list[Entry]) -> None:
        entries[7]["note"] = "approved after all"

    failed_with(verify(tampered(export, change)), "entry 8: its hash is not the SHA-256 of its leaf")


def test_a_modified_and_rehashed_entry_is_named(export: Path) -> None:
    def change(entries: list[Entry]) -> None:
        entries[7]["data"] = canonical_json({"n": 8, "金额": "9000.00"})
        rehash(entries[7])

    failed_with(verify(tampered(export, change)), "entry 8: its hash is not the prev_hash entry 9 was chained to")


def test_a_deleted_entry_is_named(export: Path) -> None:
    failed_with(verify(tampered(export, lambda entries: entries.pop(7))), "entry 8: expected here, found entry 9")


def test_a_deleted_and_renumbered_entry_is_named(export: Path) -> None:
    def change(entries: list[Entry]) -> None:
        del entries[7]
        for entry in entries[7:]:
            entry["seq"] -= 1

    failed_with(verify(tampered(export, change)), "entry 8: its hash is not the SHA-256 of its leaf")


def test_an_inserted_entry_is_named(export: Path) -> None:
    def change(entries: list[Entry]) -> None:
        intruder = {**entries[7], "note": "backdated approval", "prev_hash": entries[6]["hash"]}
        rehash(intruder)
        entries.insert(7, intruder)

    failed_with(verify(tampered(export, change)), "entry 8: inserted")


def test_an_inserted_entry_with_the_rest_renumbered_and_rehashed_is_named(export: Path) -> None:
    def change(entries: list[Entry]) -> None:
        intruder = {**entries[7], "note": "backdated approval", "prev_hash": entries[6]["hash"]}
        rehash(intruder)
        entries.insert(7, intruder)
        for entry in entries[8:]:
            entry["seq"] += 1
            rehash(entry)

    failed_with(verify(tampered(export, change)), "entry 8: inserted")


def test_two_swapped_entries_are_named(export: Path) -> None:
    def change(entries: list[Entry]) -> None:
        entries[7], entries[8] = entries[8], entries[7]

    failed_with(verify(tampered(export, change)), "entry 8: expected here, found entry 9")


def test_a_readable_field_that_is_not_the_leafs_is_named(export: Path) -> None:
    lines = (export / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    obj = json.loads(lines[7])
    obj["action"] = "project.withdraw"
    lines[7] = json.dumps(obj, ensure_ascii=False)
    (export / "entries.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    failed_with(verify(export), "entry 8: the readable field 'action'")


def test_a_line_that_is_no_entry_is_named(export: Path) -> None:
    lines = (export / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    lines[7] = lines[7][:40]
    (export / "entries.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    failed_with(verify(export), "entry 8: line 8 of entries.jsonl is not an entry")


def test_a_log_rewritten_from_an_entry_on_is_caught_between_two_checkpoints(export: Path) -> None:
    def change(entries: list[Entry]) -> None:
        entries[7]["to_state"] = "withdrawn"
        rechain(entries, 7)

    out = failed_with(verify(tampered(export, change)), "entries 6–12: the first 12 entries do not give the root")
    assert "entries 1–5 match the checkpoint of size 5" in out and "one of 6–12" in out


def test_entries_removed_from_the_end_are_named(export: Path) -> None:
    failed_with(verify(tampered(export, lambda entries: entries.__delitem__(slice(17, None)))),
                "entries 18–20: missing — checkpoint checkpoints/000000000020.txt signed 20 entries, the export has 17")


def test_an_entry_not_in_the_newest_checkpoint_cannot_be_proved(export: Path) -> None:
    failed_with(verify(export, "--entry", "21"), "entry 21: not in the newest checkpoint")


# --- forged and foreign checkpoints ----------------------------------------------------------------

def test_a_re_signed_forged_checkpoint_inconsistent_with_the_log_is_caught(export: Path, tmp_path: Path,
                                                                          key: Signer) -> None:
    forged_log = log()
    forged_log[9]["note"] = "never happened"
    rechain(forged_log, 9)
    forged = tmp_path / "forged-12.txt"
    forged.write_text(signed(key, forged_log, 12), encoding="utf-8")
    out = failed_with(verify(export, "--checkpoint", forged), "entries 6–12: the first 12 entries do not give the root")
    assert str(forged) in out


def test_a_rewritten_log_with_re_signed_checkpoints_fails_against_a_kept_one(tmp_path: Path, key: Signer) -> None:
    kept = tmp_path / "kept-12.txt"
    kept.write_text(signed(key, log(), 12), encoding="utf-8")
    rewritten = log()
    rewritten[9]["note"] = "never happened"
    rechain(rewritten, 9)
    export = write_export(tmp_path / "export", rewritten, key)  # every checkpoint in it re-signed to match
    assert verify(export).returncode == 0
    out = failed_with(verify(export, "--checkpoint", kept), "entries 6–12: the first 12 entries do not give the root")
    assert f"checkpoint {kept}" in out


def test_a_checkpoint_signed_by_another_key_is_refused(export: Path, tmp_path: Path, other_key: Signer) -> None:
    foreign = tmp_path / "foreign.txt"
    foreign.write_text(signed(other_key, log(), 12), encoding="utf-8")
    failed_with(verify(export, "--checkpoint", foreign), f"checkpoint {foreign}: not signed by a key of {ORIGIN!r}")


def test_a_checkpoint_with_a_changed_body_fails_its_signature(export: Path) -> None:
    path = export / "checkpoints" / "000000000012.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("\n12\n", "\n13\n", 1), encoding="utf-8")
    failed_with(verify(export), "checkpoint checkpoints/000000000012.txt: invalid signature by key")


def test_an_export_without_checkpoints_proves_nothing(tmp_path: Path, key: Signer) -> None:
    export = write_export(tmp_path / "export", log(), key, sizes=())
    failed_with(verify(export), "no checkpoint")


# --- usage ---------------------------------------------------------------------------------------

def test_usage_errors_exit_2(export: Path, tmp_path: Path) -> None:
    assert subprocess.run([sys.executable, "-I", str(TOOL)], capture_output=True).returncode == 2
    assert verify(export, "--entry", "0").returncode == 2
    assert verify(tmp_path / "nowhere", public_key=export / "public_key").returncode == 2
    assert verify(export, public_key=tmp_path / "no-such-key").returncode == 2
    assert verify(export, "--checkpoint", tmp_path / "no-such-checkpoint").returncode == 2
    bad_key = tmp_path / "bad-key"
    bad_key.write_text("not a key\n", encoding="utf-8")
    assert verify(export, public_key=bad_key).returncode == 2


# --- it stands alone -------------------------------------------------------------------------------

@functools.cache
def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_audit", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["verify_audit"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_verifier_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(TOOL.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


@settings(max_examples=60, deadline=None, derandomize=CI)
@given(st.integers(1, 200), st.data())
def test_the_verifiers_copy_of_the_merkle_code_agrees_with_the_applications(size: int, data: st.DataObject) -> None:
    tool = load_tool()
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    frontier = tool.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    assert frontier.root() == merkle.root_of_hashes(leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = tool.inclusion_proof(index, size, tool.range_hasher(leaves))
    assert proof == merkle.inclusion_proof(index, size, merkle.range_hasher(leaves))
    assert tool.verify_inclusion(leaves[index], index, size, proof, frontier.root())
    assert not tool.verify_inclusion(leaves[index], index ^ 1, size, proof, frontier.root()) or size == 1


def test_the_verifier_runs_in_a_fresh_virtual_environment_holding_only_cryptography(export: Path,
                                                                                  tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    python = venv / "bin" / "python"
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "cryptography>=42,<47"],
                         capture_output=True, text=True, timeout=600)
    if pip.returncode != 0:
        reason = f"pip could not install cryptography into a fresh virtual environment: {pip.stderr[-500:]}"
        if CI:
            pytest.fail(reason)
        pytest.skip(reason)
    frozen = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True)
    assert {line.split("==")[0].lower() for line in frozen.stdout.split()} <= {"cryptography", "cffi", "pycparser"}
    result = verify(export, "--entry", "3", python=python)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "entry 3 is included" in result.stdout
