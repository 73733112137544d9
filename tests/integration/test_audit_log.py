"""The audit log in a real database: append-only, chained, tamper-evident (SPEC §8)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from disburse.adapters.db import Database
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
    projects.fire_event(db, actor, Origin(), pid, "file", {})
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
        projects.fire_event(db, actor, Origin(), pid, "file", {})
    assert audit.verify(db).entries == before
    assert projects.get_project(db, actor, pid)["state"] == "plan_drafted"
