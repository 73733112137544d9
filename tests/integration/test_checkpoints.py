"""Signed checkpoints over the real audit log, proofs from the database, and the offline verifier catching an
attacker with database access (SPEC §8; issue 8).

The attacker drops the append-only trigger, as anyone holding the database's owner account could, and
changes the log after a checkpoint the inspector kept. The inspector exports the log as it now stands and
runs ``tools/verify_audit.py`` against the kept checkpoint.
"""

import base64
import hashlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import AuditEntry
from disburse.domain import merkle
from disburse.domain.audit import canonical_bytes, encode_row
from disburse.domain.checkpoint import Checkpoint, sign_checkpoint
from disburse.services import checkpoints
from disburse.services.context import SYSTEM, Actor
from disburse.services.errors import Conflict
from disburse.settings import Settings

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_audit.py"
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
INSPECTOR = Actor(id=None, username="inspector", role="inspector", region_code="000000", region_path="/")


def add_entries(db: Database, n: int, start: int = 0) -> None:
    with db.writing() as tx:
        for i in range(start, start + n):
            audit_log.append(tx.session, action="test.step", actor=SYSTEM, entity_type="payment", entity_id=i,
                             data={"amount": f"{1000 + i}.00", "i": i}, note=f"第{i}步", at=NOW)
        tx.commit()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(instance_path=tmp_path / "instance", database_url=database_url, audit_origin="disburse/test")


def verify(export: Path, keys: Path, *kept: Path, entry: int | None = None) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-I", str(VERIFIER), "--export", str(export), "--public-key", str(keys)]
    for note in kept:
        args += ["--checkpoint", str(note)]
    if entry is not None:
        args += ["--entry", str(entry)]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def keep(note: str, path: Path) -> Path:
    path.write_text(note, encoding="utf-8")
    return path


def export(db: Database, settings: Settings, directory: Path) -> tuple[Path, Path]:
    checkpoints.export(db, INSPECTOR, directory, checkpoints.public_keys(settings))
    keys = directory.parent / f"{directory.name}-trusted-key"
    keys.write_text("\n".join(checkpoints.public_keys(settings)) + "\n", encoding="utf-8")
    return directory, keys


def unprotect(db: Database) -> None:
    """What an attacker with the database owner's account does first."""
    with db.writing() as tx:
        if db.dialect == "postgresql":
            tx.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            tx.session.execute(text("DROP TRIGGER audit_entries_no_update"))
            tx.session.execute(text("DROP TRIGGER audit_entries_no_delete"))
        tx.commit()


def rehash_from(db: Database, seq: int) -> None:
    """Recompute prev_hash and hash from ``seq`` on, so the chain looks whole again."""
    with db.writing() as tx:
        s = tx.session
        rows = s.execute(text("SELECT seq FROM audit_entries WHERE seq >= :s ORDER BY seq"), {"s": seq}).all()
        prev = s.execute(text("SELECT hash FROM audit_entries WHERE seq = :s"), {"s": seq - 1}).scalar_one()
        for (n,) in rows:
            entry = s.get(AuditEntry, n)
            assert entry is not None
            entry.prev_hash = prev
            record = entry.as_chain_record()
            record["prev_hash"] = prev
            entry.hash = prev = hashlib.sha256(canonical_bytes(record)).hexdigest()
            s.flush()
        tx.commit()


def test_checkpoints_extend_each_other_and_their_proofs_verify(db: Database, settings: Settings) -> None:
    add_entries(db, 30)
    key = checkpoints.signer(settings)
    first = checkpoints.checkpoint(db, key, NOW)
    assert first["size"] == 30 and first["note"].startswith("disburse/test\n30\n")
    assert checkpoints.checkpoint(db, key, NOW)["size"] == 30  # nothing new: nothing signed again
    add_entries(db, 10, 30)
    second = checkpoints.checkpoint(db, key, NOW + timedelta(hours=1))
    assert second["size"] == 40
    listed = checkpoints.list_checkpoints(db)
    assert [c["size"] for c in listed["items"]] == [40, 30]

    proof = checkpoints.consistency(db, 30, 40)
    assert merkle.verify_consistency(30, 40, [bytes.fromhex(p) for p in proof["proof"]],
                                     bytes.fromhex(first["root"]), bytes.fromhex(second["root"]))
    inclusion = checkpoints.inclusion(db, INSPECTOR, 17, 40)
    assert inclusion["checkpoint"] == second["note"]
    assert merkle.verify_inclusion(bytes.fromhex(inclusion["leaf_hash"]), 16, 40,
                                   [bytes.fromhex(p) for p in inclusion["proof"]], bytes.fromhex(second["root"]))
    with pytest.raises(Conflict):
        checkpoints.inclusion(db, INSPECTOR, 17, 41)  # beyond the latest checkpoint


def test_the_checkpoint_is_due_after_a_disbursement_or_a_day(db: Database, settings: Settings) -> None:
    add_entries(db, 3)
    assert checkpoints.checkpoint_due(db, NOW)
    checkpoints.checkpoint(db, checkpoints.signer(settings), NOW)
    assert not checkpoints.checkpoint_due(db, NOW + timedelta(days=2))  # nothing new
    add_entries(db, 1, 3)
    assert not checkpoints.checkpoint_due(db, NOW + timedelta(hours=1))
    assert checkpoints.checkpoint_due(db, NOW + timedelta(days=1))
    with db.writing() as tx:
        audit_log.append(tx.session, action="payment.disburse", actor=SYSTEM, entity_type="payment", entity_id=1,
                         at=NOW)
        tx.commit()
    assert checkpoints.checkpoint_due(db, NOW + timedelta(hours=1))


def test_an_untouched_log_verifies_offline(db: Database, settings: Settings, tmp_path: Path) -> None:
    add_entries(db, 25)
    key = checkpoints.signer(settings)
    kept = keep(checkpoints.checkpoint(db, key, NOW)["note"], tmp_path / "kept.txt")
    add_entries(db, 5, 25)
    checkpoints.checkpoint(db, key, NOW)
    directory, keys = export(db, settings, tmp_path / "export")
    result = verify(directory, keys, kept, entry=12)
    assert result.returncode == 0, result.stdout + result.stderr


TAMPERS: dict[str, Any] = {
    "modified": lambda db: db_exec(db, "UPDATE audit_entries SET note = '改过的说明' WHERE seq = 17"),
    "deleted": lambda db: db_exec(db, "DELETE FROM audit_entries WHERE seq = 17"),
    "reordered": lambda db: (db_exec(db, "UPDATE audit_entries SET data = (SELECT data FROM audit_entries "
                                         "WHERE seq = 18), note = (SELECT note FROM audit_entries WHERE seq = 18) "
                                         "WHERE seq = 17"),),
    "inserted": lambda db: insert_before(db, 17),
    "rewritten and rehashed": lambda db: (db_exec(db, "UPDATE audit_entries SET note = '改过的说明' WHERE seq = 17"),
                                          rehash_from(db, 17)),
}


COLUMNS = ("seq, at, actor_id, actor_username, actor_role, action, entity_type, entity_id, project_id, "
           "from_state, to_state, data, note, request_id, client_addr, prev_hash, hash")


def insert_before(db: Database, seq: int) -> None:
    """Shift the entries from ``seq`` on by one and slip a made-up entry in at ``seq``."""
    db_exec(db, f"UPDATE audit_entries SET seq = seq + 100000 WHERE seq >= {seq}")
    db_exec(db, f"UPDATE audit_entries SET seq = seq - 99999 WHERE seq >= {seq + 100000}")
    db_exec(db, f"INSERT INTO audit_entries ({COLUMNS}) SELECT {seq}, at, actor_id, actor_username, actor_role, "
                "action, entity_type, entity_id, project_id, from_state, to_state, data, '插入的一条', request_id, "
                f"client_addr, prev_hash, '{'f' * 64}' FROM audit_entries WHERE seq = {seq - 1}")
    if db.dialect == "postgresql":  # PostgreSQL's appender numbers from its head row: the forger moves it too
        db_exec(db, "UPDATE audit_head SET seq = seq + 1")


def db_exec(db: Database, sql: str) -> None:
    with db.writing() as tx:
        tx.session.execute(text(sql))
        tx.commit()


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_a_log_changed_after_a_kept_checkpoint_is_caught_offline_naming_the_entry(
        db: Database, settings: Settings, tmp_path: Path, tamper: str) -> None:
    add_entries(db, 30)
    key = checkpoints.signer(settings)
    kept = keep(checkpoints.checkpoint(db, key, NOW)["note"], tmp_path / "kept.txt")
    unprotect(db)
    TAMPERS[tamper](db)
    directory, keys = export(db, settings, tmp_path / "export")
    result = verify(directory, keys, kept)
    assert result.returncode == 1, result.stdout + result.stderr
    said = result.stdout + result.stderr
    if tamper == "rewritten and rehashed":
        # a whole chain recomputed from 17 on: only the kept root disagrees, and a root cannot say which
        # leaf changed — the verifier names the range since the last checkpoint that still matched
        assert "1–30" in said, said
    else:
        assert "entry 17" in said, said
    # the server never signs a checkpoint that disagrees with the kept one: a rewritten chain stops it,
    # and an entry changed inside the signed range is not re-read (the next tree extends the stored one)
    add_entries(db, 1, 30)
    if tamper in ("rewritten and rehashed", "inserted"):  # the last signed entry is not what was signed
        with pytest.raises(checkpoints.BrokenLog):
            checkpoints.checkpoint(db, key, NOW + timedelta(hours=1))
    else:
        later = checkpoints.checkpoint(db, key, NOW + timedelta(hours=1))
        proof = checkpoints.consistency(db, 30, later["size"])
        first = kept.read_text(encoding="utf-8").splitlines()[2]
        assert proof["root_from"] == base64.b64decode(first).hex()


def test_a_re_signed_forged_checkpoint_inconsistent_with_a_kept_one_is_caught(
        db: Database, settings: Settings, tmp_path: Path) -> None:
    add_entries(db, 40)
    key = checkpoints.signer(settings)
    kept = keep(checkpoints.checkpoint(db, key, NOW)["note"], tmp_path / "kept.txt")
    unprotect(db)
    db_exec(db, "UPDATE audit_entries SET note = '改过的说明' WHERE seq = 17")
    rehash_from(db, 17)
    directory, keys = export(db, settings, tmp_path / "export")
    # the attacker also holds the signing key and re-signs a checkpoint over the rewritten log
    with db.reading() as tx:
        leaves = [merkle.leaf_hash(encode_row(row)) for rows in audit_log.iter_chain_rows(tx.session)
                  for row in rows]
    forged = sign_checkpoint(Checkpoint("disburse/test", 40, merkle.root_of_hashes(leaves)), key)
    for old in (directory / "checkpoints").glob("*.txt"):
        old.unlink()
    (directory / "checkpoints" / f"{40:012d}.txt").write_text(forged, encoding="utf-8")
    assert verify(directory, keys).returncode == 0  # alone, the forgery is self-consistent …
    result = verify(directory, keys, kept)  # … but not with what the inspector kept
    assert result.returncode == 1, result.stdout + result.stderr

