"""The statements a payment step and a project read issue, pinned: they do not grow with the data (issue 19).

A count does not depend on how fast the machine is, so it may be a test (docs/performance.md gives the
statements of each step). The data comes from the benchmark's generator at two scales, ten times apart.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bench.common import actor, bearer
from bench.datagen import Generated, Scale, generate
from disburse.adapters.db import Database
from disburse.clock import REAL
from disburse.services import payments
from disburse.services.context import Origin

SMALL, LARGE = Scale(10, 150, 400, "small"), Scale(100, 1500, 4000, "ten times")


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """The statements the engine sends, transaction control (SQLite's ``BEGIN``) left out."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.split(None, 1)[0].upper() != "BEGIN":
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _paying(gen: Generated) -> tuple[int, int]:
    """A project with verified payments, and one of them."""
    project_id = min(gen.verified_by_project)
    return project_id, gen.verified_by_project[project_id][0]


def _approve_and_read(url: str, scale: Scale, tmp_path: Path) -> dict[str, int]:
    from disburse.app import create_app

    gen = generate(url, scale)
    project_id, payment_id = _paying(gen)
    app = create_app({"TESTING": True, "database_url": url, "instance_path": tmp_path / scale.label})
    db = app.extensions["disburse.db"]
    try:
        finance = actor(db, f"finance-{gen.paying_projects[project_id]}")
        headers = bearer(db, f"commerce-{gen.paying_projects[project_id]}")
        client = app.test_client()
        assert client.get(f"/api/v1/projects/{project_id}", headers=headers).status_code == 200  # warm
        with counting(db) as project_read:
            assert client.get(f"/api/v1/projects/{project_id}", headers=headers).status_code == 200
        with counting(db) as approve:
            status, view = payments.fire_event(db, finance, Origin("t", "127.0.0.1"), payment_id, "approve", {},
                                               now=REAL.now())
        assert status == 200 and view.state == "approved"
        return {"get_project": len(project_read), "approve": len(approve)}
    finally:
        db.dispose()


@pytest.mark.slow
def test_approve_and_get_project_issue_the_same_statements_at_ten_times_the_data(
        backends: Any, backend: str, tmp_path: Path) -> None:
    small = _approve_and_read(backends.fresh(backend), SMALL, tmp_path)
    large = _approve_and_read(backends.fresh(backend), LARGE, tmp_path)
    # approve: the delegations in force to the actor (issue 21), the lock, the contract's other payments, its
    # acceptances, the project's figures, the update, the documents of the answer, then the audit head and the
    # entry; GET project: the token, the project and its four lists, then what it holds (docs/performance.md)
    assert small == large == {"get_project": 15, "approve": 9}
