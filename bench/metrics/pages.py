"""Page latency in-process (Flask test client) and the SQL statements each page issues, by page kind.

Kinds: the dashboard API (project list, approval queue; :func:`bench.metrics.dashboard.requests_of`)
and the role pages a browser opens: the commerce, finance, leader, supervisor and contractor desks,
the inspector's ``/audit`` (first page, a filtered page, a deep page: the cursor of the entry at 90 % of
the depth of the inspector's entries, as following "older" that far back would reach), ``/public`` and the project
page. Statements are counted with a ``before_cursor_execute`` listener on the app's engine. Nothing
here changes the product: the generated data has no leader or contractor user, so the harness
creates one of each in the county with the most
projects under contract (whose desks are measured) through :func:`disburse.services.users.create_user`.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from bench.common import bearer, percentile
from bench.datagen import Generated
from bench.metrics.dashboard import requests_of
from disburse.adapters.db import Database
from disburse.adapters.orm import AuditEntry, Contractor, User
from disburse.app import create_app
from disburse.services import users

API_KINDS = ("projects", "queue")

Plan = dict[str, list[tuple[str | None, str]]]


def _user(db: Database, username: str, role: str, region: str, contractor: str | None = None) -> None:
    with db.reading() as tx:
        if tx.session.scalar(select(User.id).where(User.username == username)) is not None:
            return
    users.create_user(db, username, role=role, region=region, password="bench-password", contractor=contractor)


def _deep_cursor(db: Database, province: str) -> int:
    """The sequence number 90 % of the way down a province inspector's entries, newest first (counted
    here, by the harness: the product never counts the log)."""
    inside = AuditEntry.province_code == province
    with db.reading() as tx:
        visible = tx.session.scalar(select(func.count()).select_from(AuditEntry).where(inside)) or 0
        seq = tx.session.scalar(select(AuditEntry.seq).where(inside).order_by(AuditEntry.seq.desc())
                                .offset(int(visible * 0.9)).limit(1))
    assert seq is not None, province
    return seq


def plan_of(gen: Generated, db: Database) -> Plan:
    """Page kind -> the (username, path) requests that measure it; ``None`` is an anonymous visitor."""
    county = Counter(gen.paying_projects.values()).most_common(1)[0][0]  # the county with most contracts
    province = gen.busy_province
    with db.reading() as tx:
        contractor = tx.session.scalar(select(Contractor.credit_code).where(Contractor.region_code == county)
                                       .order_by(Contractor.id).limit(1))
    assert contractor is not None, county
    _user(db, f"leader-{county}", "leader", county)
    _user(db, f"contractor-{county}", "contractor", county, contractor)
    inspector = f"inspector-{province}"
    reader = users.actor_by_username(db, inspector)
    assert reader is not None, inspector
    deep = _deep_cursor(db, province)
    project_id = min(p for p, c in gen.paying_projects.items() if c == county)
    plan: Plan = {"projects": [], "queue": []}
    for who, path in requests_of(gen):
        plan["queue" if "queue" in path else "projects"].append((who, path))
    plan.update({
        "desk_commerce": [(f"commerce-{county}", "/desk")],
        "desk_finance": [(f"finance-{county}", "/desk/finance")],
        "desk_leader": [(f"leader-{county}", "/desk/leader")],
        "desk_supervisor": [(f"supervisor-{province}", "/desk")],
        "audit_first": [(inspector, "/audit")],
        "audit_filtered": [(inspector, "/audit?action=payment.")],
        "audit_deep": [(inspector, f"/audit?before={deep}")],
        "desk_contractor": [(f"contractor-{county}", "/desk/contractor")],
        "public": [(None, "/public")],
        "project": [(f"commerce-{county}", f"/projects/{project_id}")],
    })
    return plan


class Site:
    """One generated database behind the product's app, a logged-in test client per user."""

    def __init__(self, gen: Generated, instance: str) -> None:
        self.gen = gen
        self.app = create_app({"TESTING": True, "database_url": gen.url, "instance_path": instance})
        self.db: Database = self.app.extensions["disburse.db"]
        self.plan = plan_of(gen, self.db)
        self.statements = 0
        event.listen(self.db.engine, "before_cursor_execute", self._count)
        self.clients: dict[str | None, Any] = {}
        self.headers: dict[str | None, dict[str, str]] = {}
        for who in {who for requests in self.plan.values() for who, _ in requests}:
            client = self.app.test_client()
            if who is not None:
                uid = self.gen.users[who][0] if who in self.gen.users else self._id(who)
                with client.session_transaction() as session:
                    session["_user_id"] = f"{uid}:{users.session_version(self.db, uid)}"
                    session["_fresh"] = True
                self.headers[who] = bearer(self.db, who)
            self.clients[who] = client
        for kind in self.plan:  # warm up: caches, templates, prepared statements
            self.request(kind, 0)

    def _id(self, username: str) -> int:
        with self.db.reading() as tx:
            uid = tx.session.scalar(select(User.id).where(User.username == username))
            assert uid is not None, username
            return uid

    def _count(self, *_: Any) -> None:
        self.statements += 1

    def request(self, kind: str, i: int) -> tuple[float, int]:
        """Milliseconds and SQL statements of the ``i``-th request of ``kind`` (its requests in turn)."""
        who, path = self.plan[kind][i % len(self.plan[kind])]
        headers = self.headers.get(who, {}) if path.startswith("/api/") else {}
        before = self.statements
        t0 = time.perf_counter()
        resp = self.clients[who].get(path, headers=headers)
        ms = (time.perf_counter() - t0) * 1000
        assert resp.status_code == 200, (kind, path, resp.status_code, resp.data[:300])
        return ms, self.statements - before

    def p95(self, kind: str, samples: int) -> float:
        """p95 in ms of one round: ``samples`` requests of ``kind``, at least each of its requests once."""
        n = max(samples, len(self.plan[kind]))
        return percentile([self.request(kind, i)[0] for i in range(n)], 0.95)

    def statements_of(self, kind: str) -> int:
        """The most SQL statements any one request of ``kind`` issues."""
        return max(self.request(kind, i)[1] for i in range(len(self.plan[kind])))

    def close(self) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._count)
        self.db.dispose()


@contextmanager
def sites(*gens: Generated) -> Iterator[list[Site]]:
    """A :class:`Site` per generated database, closed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        opened: list[Site] = []
        try:
            for i, gen in enumerate(gens):
                opened.append(Site(gen, f"{tmp}/{i}"))
            yield opened
        finally:
            for site in opened:
                site.close()

