"""`disburse audit verify` and `GET /api/v1/audit/verify` check the log against its signed checkpoints
(SPEC §8; docs/audit-proofs.md §8; issue "close the holes", item 4).

An attacker with the database owner's account drops the append-only triggers, then rewrites the log
from some entry on with fresh hashes, or cuts entries off its end: the hash chain stays whole, and a
check link by link finds nothing. The checkpoints the server signed (40 entries, and 20 before)
still hold the roots of what was there.
"""

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import AuditEntry
from disburse.domain import merkle
from disburse.domain.audit import SEQ_AT, encode_row
from disburse.domain.checkpoint import Checkpoint, generate_key, parse_signer_key, sign_checkpoint
from disburse.services import audit, checkpoints
from disburse.settings import Settings
from tests.cli import run_cli
from tests.flow import INSPECTOR, Flow
from tests.integration.test_checkpoints import add_entries, db_exec, rehash_from, unprotect

FIRST, SIZE = 20, 40  # the two checkpoints


class SignedLog:
    """The app's log of ``SIZE`` entries with checkpoints at ``FIRST`` and ``SIZE``; the CLI and the API on it."""

    def __init__(self, flow: Flow, database_url: str) -> None:
        self.flow, self.database_url = flow, database_url
        self.db: Database = flow.app.extensions["disburse.db"]
        self.settings: Settings = flow.app.extensions["disburse.settings"]
        flow.h(INSPECTOR)  # logged in before anything is changed (a login appends to the log)
        key = checkpoints.signer(self.settings)
        for size in (FIRST, SIZE):
            add_entries(self.db, size - self.entries(), self.entries())
            assert checkpoints.checkpoint(self.db, key, flow.clock.now())["size"] == size

    def entries(self) -> int:
        with self.db.reading() as tx:
            return tx.session.scalar(select(func.count()).select_from(AuditEntry)) or 0

    def cli(self) -> Any:
        env = {"DISBURSE_INSTANCE_PATH": str(self.settings.instance_path),
               "DISBURSE_AUDIT_ORIGIN": self.settings.audit_origin}
        return run_cli(["audit", "verify"], self.database_url, env=env)

    def api(self) -> dict[str, Any]:
        return self.flow.ok(self.flow.get("/audit/verify", INSPECTOR))


@pytest.fixture
def log(flow: Flow, database_url: str) -> SignedLog:
    return SignedLog(flow, database_url)


def rewrite_from(db: Database, seq: int) -> None:
    """Change entry ``seq`` and recompute every hash from it on: the chain is whole again."""
    unprotect(db)
    db_exec(db, f"UPDATE audit_entries SET note = '改过的说明' WHERE seq = {seq}")
    rehash_from(db, seq)


def rewrite_leaves_from(db: Database, seq: int) -> None:
    """Recompute the recorded leaf hashes from ``seq`` on to match the rewritten entries."""
    with db.writing() as tx:
        for rows in audit_log.iter_chain_rows(tx.session, after=seq - 1):
            for row in rows:
                tx.session.execute(text("UPDATE audit_leaves SET hash = :h WHERE seq = :s"),
                                   {"h": merkle.leaf_hash(encode_row(row)).hex(), "s": row[SEQ_AT]})
        tx.commit()


def execute(db: Database, sql: str, **params: Any) -> None:
    with db.writing() as tx:
        tx.session.execute(text(sql), params)
        tx.commit()


def unprotect_checkpoints(db: Database) -> None:
    with db.writing() as tx:
        if db.dialect == "postgresql":
            tx.session.execute(text("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER"))
        else:
            tx.session.execute(text("DROP TRIGGER audit_checkpoints_no_update"))
            tx.session.execute(text("DROP TRIGGER audit_checkpoints_no_delete"))
        tx.commit()


def test_an_untouched_log_with_checkpoints_passes_in_the_cli_and_the_api(log: SignedLog) -> None:
    result = log.cli()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok: {SIZE} entries" in result.stdout
    assert f"2 signed checkpoint(s) hold, the last of {SIZE} entries" in result.stdout
    report = log.api()
    assert report == {"ok": True, "entries": SIZE, "head": report["head"], "first_broken": None,
                      "first_broken_upto": None, "reason": None, "checkpoints_checked": 2, "covered": SIZE,
                      "checkpoint": None}
    assert report["head"] == audit.digest(log.db)["head"]


def test_entries_after_the_last_checkpoint_are_checked_by_the_chain(log: SignedLog) -> None:
    add_entries(log.db, 5, SIZE)
    assert log.api()["ok"] and log.api()["entries"] == SIZE + 5 and log.api()["covered"] == SIZE
    unprotect(log.db)
    db_exec(log.db, f"UPDATE audit_entries SET note = '改过' WHERE seq = {SIZE + 3}")
    assert log.api()["first_broken"] == SIZE + 3


def test_a_log_rewritten_with_fresh_hashes_fails_naming_the_first_rewritten_entry(log: SignedLog) -> None:
    rewrite_from(log.db, 25)
    result = log.cli()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN at seq 25: entry 25: not the entry checkpoint 40 signed" in result.stdout, result.stdout
    assert "rewritten from entry 25 on with fresh hashes" in result.stdout
    report = log.api()
    assert (report["ok"], report["first_broken"], report["first_broken_upto"], report["checkpoint"]) == \
        (False, 25, None, SIZE)
    assert report["entries"] == 24 and report["covered"] == FIRST and report["checkpoints_checked"] == 2


def test_a_rewrite_that_also_rewrote_the_leaf_hashes_is_bounded_by_the_checkpoints(log: SignedLog) -> None:
    rewrite_from(log.db, 25)
    rewrite_leaves_from(log.db, 25)
    result = log.cli()
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"BROKEN at seq {FIRST + 1}–{SIZE}: entries {FIRST + 1}–{SIZE}: the first {SIZE} entries do not give " \
           f"the Merkle root checkpoint {SIZE} signed; entries 1–{FIRST} give the root of checkpoint {FIRST}" \
           in result.stdout, result.stdout
    assert "the recorded leaf hashes do not give the signed root either" in result.stdout
    report = log.api()
    assert (report["ok"], report["first_broken"], report["first_broken_upto"], report["checkpoint"]) == \
        (False, FIRST + 1, SIZE, SIZE)


def test_a_log_cut_at_its_end_fails_naming_the_first_missing_entry(log: SignedLog) -> None:
    unprotect(log.db)
    db_exec(log.db, "DELETE FROM audit_entries WHERE seq > 33")
    result = log.cli()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN at seq 34: entry 34: missing — checkpoint 40 signed 40 entries, the log has 33" in result.stdout, \
        result.stdout
    report = log.api()
    assert (report["ok"], report["first_broken"], report["entries"], report["checkpoint"]) == (False, 34, 33, SIZE)
    with log.db.reading() as tx:
        assert report["head"] == tx.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 33))


def test_a_log_cut_back_to_a_checkpoint_with_its_leaf_hashes_fails_naming_the_first_missing_entry(
        log: SignedLog) -> None:
    unprotect(log.db)
    db_exec(log.db, f"DELETE FROM audit_entries WHERE seq > {FIRST}")
    db_exec(log.db, f"DELETE FROM audit_leaves WHERE seq > {FIRST}")
    report = log.api()
    assert (report["ok"], report["first_broken"], report["first_broken_upto"]) == (False, FIRST + 1, None)
    assert "missing" in report["reason"]


def test_a_log_cut_and_its_leaf_hashes_removed_is_bounded_by_the_checkpoints(log: SignedLog) -> None:
    unprotect(log.db)
    db_exec(log.db, "DELETE FROM audit_entries WHERE seq > 33")
    db_exec(log.db, "DELETE FROM audit_leaves WHERE seq > 33")
    report = log.api()
    assert (report["ok"], report["first_broken"], report["first_broken_upto"]) == (False, FIRST + 1, 34)
    assert "the log has 33: entries from 34 on were removed" in report["reason"]
    assert log.cli().returncode == 1


def test_a_chain_break_inside_a_rewritten_range_names_the_earliest_rewritten_entry(log: SignedLog) -> None:
    rewrite_from(log.db, 25)
    db_exec(log.db, "UPDATE audit_entries SET note = '又改了' WHERE seq = 30")  # not rehashed: the chain breaks
    report = log.api()
    assert (report["first_broken"], report["checkpoint"]) == (25, SIZE)


def test_a_checkpoint_not_signed_by_the_instances_key_fails(log: SignedLog) -> None:
    unprotect_checkpoints(log.db)
    other = parse_signer_key(generate_key(log.settings.audit_origin)[0])
    with log.db.reading() as tx:
        leaves = [merkle.leaf_hash(encode_row(row)) for rows in audit_log.iter_chain_rows(tx.session, upto=SIZE)
                  for row in rows]
    forged = sign_checkpoint(Checkpoint(log.settings.audit_origin, SIZE, merkle.root_of_hashes(leaves)), other)
    execute(log.db, "UPDATE audit_checkpoints SET note = :note WHERE size = 40", note=forged)
    result = log.cli()
    assert result.returncode == 1
    assert "BROKEN: checkpoint 40: not signed by a verifier key of this log" in result.stdout, result.stdout
    report = log.api()
    assert (report["ok"], report["first_broken"], report["checkpoint"]) == (False, None, SIZE)


def test_a_checkpoint_changed_after_signing_fails(log: SignedLog) -> None:
    unprotect_checkpoints(log.db)
    with log.db.reading() as tx:
        note = tx.session.scalar(text("SELECT note FROM audit_checkpoints WHERE size = 20"))
    lines = note.split("\n")
    lines[1] = "19"  # the size line, the signature left as it was
    execute(log.db, "UPDATE audit_checkpoints SET note = :note WHERE size = 20", note="\n".join(lines))
    report = log.api()
    assert (report["ok"], report["first_broken"], report["checkpoint"]) == (False, None, FIRST)
    assert "invalid signature" in report["reason"]


def test_checkpoints_fail_when_no_verifier_key_is_known(log: SignedLog) -> None:
    assert audit.verify(log.db).checkpoint == FIRST  # the service given no key trusts no checkpoint
    log.settings.signing_key_path.unlink()
    report = log.api()
    assert (report["ok"], report["checkpoint"]) == (False, FIRST)
    assert "no verifier key is known here" in report["reason"]


def test_a_rewritten_entry_hashes_differently_from_its_recorded_leaf(log: SignedLog) -> None:
    """The premise of naming the entry: the recorded leaf of entry 25 is the signed one, not the rewritten one."""
    with log.db.reading() as tx:
        before = tx.session.scalar(text("SELECT hash FROM audit_leaves WHERE seq = 25"))
    rewrite_from(log.db, 25)
    with log.db.reading() as tx:
        [row] = [r for rows in audit_log.iter_chain_rows(tx.session, after=24, upto=25) for r in rows]
    assert merkle.leaf_hash(encode_row(row)).hex() != before
    assert hashlib.sha256(encode_row(row)).hexdigest() == row[16]  # and the chain holds there


def test_db_upgrade_makes_the_key_and_signs_a_first_checkpoint_and_public_key_never_prints_nothing(
        tmp_path: Path) -> None:
    env = {"DISBURSE_INSTANCE_PATH": str(tmp_path / "inst"), "DISBURSE_DATABASE_URL": "",
           "DISBURSE_AUDIT_ORIGIN": "disburse/fresh", "DISBURSE_AUDIT_KEY_FILE": "",
           "DISBURSE_AUDIT_PUBLIC_KEYS": ""}
    missing = run_cli(["audit", "public-key"], env=env, cwd=tmp_path)
    assert missing.returncode == 1 and missing.stdout == "" and "no audit verifier key" in missing.stderr
    upgraded = run_cli(["db", "upgrade"], env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "audit signing key made at" in upgraded.stdout
    assert "first audit checkpoint signed: 0 entries" in upgraded.stdout
    key = run_cli(["audit", "public-key"], env=env, cwd=tmp_path)
    assert key.returncode == 0 and key.stdout.startswith("disburse/fresh+")
    again = run_cli(["db", "upgrade"], env=env, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.strip() == "schema is up to date"  # signed once, not again
    verified = run_cli(["audit", "verify"], env=env, cwd=tmp_path)
    assert verified.returncode == 0 and "1 signed checkpoint(s) hold" in verified.stdout, verified.stdout


def _in_parallel_and_in_one_pass(log: SignedLog) -> tuple[Any, Any, Any]:
    keys = checkpoints.public_keys(log.settings)
    return (audit.verify(log.db, keys, workers=2, parallel_from=1),
            audit.verify(log.db, keys, workers=3, parallel_from=1), audit.verify(log.db, keys, workers=1))


def test_ranges_checked_in_worker_processes_give_the_one_pass_report(log: SignedLog) -> None:
    add_entries(log.db, 7, SIZE)
    two, three, one = _in_parallel_and_in_one_pass(log)
    assert one.ok and one.entries == SIZE + 7 and one.covered == SIZE and one.checkpoints == 2
    assert two == three == one


@pytest.mark.parametrize("tamper", [
    "rewrite",  # with fresh hashes from entry 25: only the checkpoints see it
    f"DELETE FROM audit_entries WHERE seq > {SIZE - 3}",  # cut at its end
    f"UPDATE audit_entries SET note = '改过' WHERE seq = {SIZE + 4}",  # changed after the last checkpoint
    f"DELETE FROM audit_entries WHERE seq = {SIZE + 2}",  # a gap where two ranges may meet
])
def test_a_broken_log_checked_in_parallel_is_named_exactly_as_in_one_pass(log: SignedLog, tamper: str) -> None:
    add_entries(log.db, 7, SIZE)
    if tamper == "rewrite":
        rewrite_from(log.db, 25)
    else:
        unprotect(log.db)
        db_exec(log.db, tamper)
    two, three, one = _in_parallel_and_in_one_pass(log)
    assert not one.ok
    assert two == three == one


def test_verify_falls_back_to_one_pass_when_worker_processes_cannot_start(
        log: SignedLog, monkeypatch: pytest.MonkeyPatch) -> None:
    class NoProcesses:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise OSError("no process may be started here")

    monkeypatch.setattr(audit, "ProcessPoolExecutor", NoProcesses)
    keys = checkpoints.public_keys(log.settings)
    assert audit.verify(log.db, keys, workers=2, parallel_from=1) == audit.verify(log.db, keys, workers=1)
    assert audit.verify(log.db, keys, workers=2, parallel_from=1).ok
