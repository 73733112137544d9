"""Concurrent writers never fork the audit chain (BEGIN IMMEDIATE / advisory lock, SPEC §8)."""

from concurrent.futures import ThreadPoolExecutor

from disburse.adapters.db import Database
from disburse.clock import REAL
from disburse.schemas.plan import load_plan
from disburse.services import audit, projects
from disburse.services.context import Origin
from disburse.services.users import actor_by_username
from tests.helpers import make_user, small_plan


def test_parallel_changes_make_one_unbroken_chain(db: Database) -> None:
    make_user(db, "fy-commerce", "commerce", "530325")
    actor = actor_by_username(db, "fy-commerce")
    assert actor
    plan = load_plan(small_plan())[0]

    def work(n: int) -> int:
        pid = projects.create_project(db, actor, Origin(request_id=f"w{n}"), plan)
        projects.fire_event(db, actor, Origin(request_id=f"w{n}"), pid, "file", {}, now=REAL.now())
        return pid

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(work, range(24)))

    assert len(set(ids)) == 24
    report = audit.verify(db)
    assert report.ok, report
    assert report.entries == 1 + 24 * 2
    listed = projects.list_projects(db, actor, state="filed", per_page=100)
    assert listed["total"] == 24
