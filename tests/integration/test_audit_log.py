"""The audit log in a real database: append-only, chained, tamper-evident (SPEC §8)."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from disburse.adapters.db import Database
from disburse.adapters.orm import AuditEntry
from disburse.clock import REAL
from disburse.schemas.plan import load_plan
from disburse.services import audit, projects
from disburse.services.context import Origin
from disburse.services.users import actor_by_username
from tests.cli import run_cli
from tests.helpers import make_user, small_plan


def walk_a_project(db: Database) -> int:
    make_user(db, "fy-commerce", "commerce", "530325")
    actor = actor_by_username(db, "fy-commerce")
    assert actor
    pid = projects.create_project(db, actor, Origin(request_id="r1", client_addr="127.0.0.1"),
                                  load_plan(small_plan())[0])
    projects.fire_event(db, actor, Origin(), pid, "file", {}, now=REAL.now())
    return pid


def test_every_change_is_chained_and_verifies(db: Database) -> None:
    walk_a_project(db)
    report = audit.verify(db)
    assert report.ok and report.entries == 3  # user.create, project.create, project.file
    assert audit.digest(db)["head"] == report.head


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET note = 'x' WHERE seq = 2",
    "DELETE FROM audit_entries WHERE seq = 2",
])
def test_the_database_refuses_to_change_the_log(db: Database, statement: str) -> None:
    walk_a_project(db)
    with pytest.raises(DBAPIError) as exc:
        with db.writing() as tx:
            tx.session.execute(text(statement))
    assert "append-only" in str(exc.value)
    assert audit.verify(db).ok


def test_postgresql_refuses_truncate(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    walk_a_project(db)
    with pytest.raises(DBAPIError):
        with db.writing() as tx:
            tx.session.execute(text("TRUNCATE audit_entries"))
    assert audit.verify(db).entries == 3


def _drop_triggers(db: Database) -> None:
    """What an attacker with database access does first."""
    with db.writing() as tx:
        if db.dialect == "postgresql":
            tx.session.execute(text("DROP TRIGGER audit_entries_no_update ON audit_entries"))
        else:
            tx.session.execute(text("DROP TRIGGER audit_entries_no_update"))
            tx.session.execute(text("DROP TRIGGER audit_entries_no_delete"))
        tx.commit()


@pytest.mark.parametrize(("tamper", "broken"), [
    ("UPDATE audit_entries SET to_state = 'tendered' WHERE seq = 3", 3),
    ("DELETE FROM audit_entries WHERE seq = 2", 2),
    ("DELETE FROM audit_entries WHERE seq = 1", 1),
])
def test_a_changed_or_deleted_entry_makes_verify_exit_1_naming_it(
    db: Database, database_url: str, tamper: str, broken: int
) -> None:
    walk_a_project(db)
    assert run_cli(["audit", "verify"], database_url).returncode == 0
    _drop_triggers(db)
    with db.writing() as tx:
        tx.session.execute(text(tamper))
        tx.commit()
    result = run_cli(["audit", "verify"], database_url)
    assert result.returncode == 1
    assert f"seq {broken}:" in result.stdout


def test_a_refused_event_writes_no_entry(db: Database) -> None:
    make_user(db, "fy-commerce", "commerce", "530325")
    actor = actor_by_username(db, "fy-commerce")
    assert actor
    doc = small_plan()
    doc["lines"][0]["tags"] = ["buildings"]
    pid = projects.create_project(db, actor, Origin(), load_plan(doc)[0])
    before = audit.verify(db).entries
    from disburse.services.errors import Conflict

    with pytest.raises(Conflict):
        projects.fire_event(db, actor, Origin(), pid, "file", {}, now=REAL.now())
    assert audit.verify(db).entries == before
    assert projects.get_project(db, actor, pid).state == "plan_drafted"


# --- the fast verifier reads rows straight from the database: every column counts ------------

TAMPERS = [
    ("UPDATE audit_entries SET action = 'project.forged' WHERE seq = 2", 2),
    ("UPDATE audit_entries SET actor_id = actor_id + 1 WHERE seq = 2", 2),
    ("UPDATE audit_entries SET actor_username = 'someone' WHERE seq = 3", 3),
    ("UPDATE audit_entries SET actor_role = 'admin' WHERE seq = 2", 2),
    ("UPDATE audit_entries SET entity_type = 'payment' WHERE seq = 2", 2),
    ("UPDATE audit_entries SET entity_id = '999' WHERE seq = 2", 2),
    ("UPDATE audit_entries SET project_id = project_id + 1 WHERE seq = 2", 2),
    ("UPDATE audit_entries SET from_state = 'filed' WHERE seq = 3", 3),
    ("UPDATE audit_entries SET data = '{}' WHERE seq = 2", 2),
    ("UPDATE audit_entries SET note = 'x' WHERE seq = 1", 1),
    ("UPDATE audit_entries SET request_id = 'r2' WHERE seq = 2", 2),
    ("UPDATE audit_entries SET client_addr = '10.0.0.1' WHERE seq = 2", 2),
    ("UPDATE audit_entries SET prev_hash = hash WHERE seq = 3", 3),
    ("UPDATE audit_entries SET hash = CASE WHEN hash LIKE 'f%' THEN 'e' ELSE 'f' END || substr(hash, 2) "
     "WHERE seq = 3", 3),
    ("UPDATE audit_entries SET seq = 7 WHERE seq = 3", 3),
    ("UPDATE audit_entries SET seq = 0 WHERE seq = 1", 1),
]


@pytest.mark.parametrize(("tamper", "broken"), TAMPERS)
def test_a_change_to_any_column_is_named(db: Database, tamper: str, broken: int) -> None:
    walk_a_project(db)
    _drop_triggers(db)
    with db.writing() as tx:
        tx.session.execute(text(tamper))
        tx.commit()
    report = audit.verify(db)
    assert not report.ok and report.first_broken == broken


def _tamper_at(db: Database, seq: int, how: str) -> None:
    sqlite = {
        "shifted": "UPDATE audit_entries SET at = datetime(at, '+1 second') || substr(at, 20) WHERE seq = :s",
        "iso_form": "UPDATE audit_entries SET at = replace(at, ' ', 'T') WHERE seq = :s",
        "no_fraction": "UPDATE audit_entries SET at = substr(at, 1, 19) WHERE seq = :s",
        "blob": "UPDATE audit_entries SET at = CAST(at AS BLOB) WHERE seq = :s",
    }
    postgres = {
        "shifted": "UPDATE audit_entries SET at = at + interval '1 microsecond' WHERE seq = :s",
        "iso_form": "UPDATE audit_entries SET at = at + interval '1 hour' WHERE seq = :s",
        "no_fraction": "UPDATE audit_entries SET at = date_trunc('second', at) WHERE seq = :s",
        "blob": "UPDATE audit_entries SET at = at - interval '1 day' WHERE seq = :s",
    }
    with db.writing() as tx:
        tx.session.execute(text((postgres if db.dialect == "postgresql" else sqlite)[how]), {"s": seq})
        tx.commit()


@pytest.mark.parametrize("how", ["shifted", "iso_form", "no_fraction", "blob"])
def test_a_changed_time_is_named_whatever_its_stored_form(db: Database, how: str) -> None:
    walk_a_project(db)
    _drop_triggers(db)
    _tamper_at(db, 2, how)
    report = audit.verify(db)
    assert not report.ok and report.first_broken == 2


def test_a_text_value_in_an_integer_column_is_named(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("only SQLite stores text in an INTEGER column")
    walk_a_project(db)
    _drop_triggers(db)
    with db.writing() as tx:
        tx.session.execute(text("UPDATE audit_entries SET actor_id = 'x' || actor_id WHERE seq = 2"))
        tx.commit()
    assert audit.verify(db).first_broken == 2


def test_a_forged_entry_appended_at_the_end_is_named(db: Database) -> None:
    walk_a_project(db)
    with db.writing() as tx:
        tx.session.execute(text(
            "INSERT INTO audit_entries (seq, at, action, data, prev_hash, hash) "
            "SELECT seq + 1, at, 'forged', '{}', hash, :h FROM audit_entries WHERE seq = 3"), {"h": "e" * 64})
        tx.commit()
    report = audit.verify(db)
    assert not report.ok and report.first_broken == 4 and report.entries == 3


def test_swapped_entries_are_named(db: Database) -> None:
    walk_a_project(db)
    _drop_triggers(db)
    with db.writing() as tx:
        for statement in ("UPDATE audit_entries SET seq = 100 WHERE seq = 2",
                          "UPDATE audit_entries SET seq = 2 WHERE seq = 3",
                          "UPDATE audit_entries SET seq = 3 WHERE seq = 100"):
            tx.session.execute(text(statement))
        tx.commit()
    report = audit.verify(db)
    assert not report.ok and report.first_broken == 2


def test_the_fast_rows_hash_like_the_orm_entries(db: Database) -> None:
    """The database's rendering of ``at`` is the appender's, to the microsecond."""
    walk_a_project(db)
    from disburse.adapters import audit_log
    from disburse.domain.audit import encode_row, row_of

    with db.reading() as tx:
        fast = [encode_row(row) for rows in audit_log.iter_chain_rows(tx.session, batch=2) for row in rows]
        entries = tx.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        slow = [encode_row(row_of(entry.as_chain_record())) for entry in entries]
    assert fast == slow and len(fast) == 3


def test_the_benchmark_fill_appends_a_chain_that_verifies(db: Database, database_url: str) -> None:
    from bench.audit_verify import fill, measure

    walk_a_project(db)
    fill(database_url, 250, chunk=100)
    result = measure(database_url, repeats=1)
    assert result["entries"] == 253 and result["ratio"] > 0
    assert audit.digest(db)["head"] == audit.verify(db).head


def test_the_entry_is_written_last_before_the_commit_and_a_rollback_writes_none(db: Database) -> None:
    """Issue 19: whatever orders appenders is taken at the end of the step, not in its middle."""
    from sqlalchemy import event

    from disburse.adapters import audit_log
    from disburse.services.context import SYSTEM

    walk_a_project(db)
    statements: list[str] = []
    with db.writing() as tx:
        audit_log.append(tx.session, action="test.first", actor=SYSTEM, at=REAL.now())
        listen = lambda *args: statements.append(args[2].split()[0].upper())  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            tx.session.execute(text("SELECT 1"))  # the step's own statements come first
            audit_log.append(tx.session, action="test.second", actor=SYSTEM, at=REAL.now())
            assert audit_log.pending(tx.session) == 2
            tx.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    # PostgreSQL: the head row, both entries, the head's new hash (one entry and the head are one statement)
    expected = ["UPDATE", "INSERT", "UPDATE"] if db.dialect == "postgresql" else ["SELECT", "INSERT"]
    # the step's statement, the head, then both entries in one statement
    assert [s for s in statements if s != "BEGIN"] == ["SELECT", *expected]
    with db.writing() as tx:
        audit_log.append(tx.session, action="test.rolled-back", actor=SYSTEM, at=REAL.now())
    report = audit.verify(db)
    assert report.ok and report.entries == 5
    with db.reading() as tx:
        assert tx.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()[-2:] == [
            "test.first", "test.second"]


def test_postgresql_never_chains_over_an_entry_it_did_not_write(db: Database) -> None:
    """An entry slipped in at the end without moving the head row stops the next append (it would fork
    the chain) instead of being chained over: the log stays as the forger left it, for verify to name."""
    if db.dialect != "postgresql":
        pytest.skip("the head row is PostgreSQL's")
    test_a_forged_entry_appended_at_the_end_is_named(db)
    with pytest.raises(DBAPIError):
        projects.fire_event(db, actor_by_username(db, "fy-commerce"), Origin(), 1, "suspend",
                            {"reason": "测试"}, now=REAL.now())
    assert audit.verify(db).first_broken == 4
