"""Dashboard latency in-process (Flask test client): the project list and the approval queue.

The project list is read as the busiest province's supervisor and inspector (several pages, several
state filters); the queue as the busiest county's finance user and as its prefecture's.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

from bench.common import bearer, percentile
from bench.datagen import Generated
from disburse.adapters.db import Database
from disburse.app import create_app

STATES = (None, "contractor_selected", "staged_acceptance", "filed")
PAGES = (1, 2, 3, 5)
QUEUE_WEIGHT = 8


def requests_of(gen: Generated) -> list[tuple[str, str]]:
    """(username, path) of every dashboard request measured."""
    out: list[tuple[str, str]] = []
    for who in (f"supervisor-{gen.busy_province}", f"inspector-{gen.busy_province}"):
        for state in STATES:
            for page in PAGES:
                query = f"per_page=20&page={page}" + (f"&state={state}" if state else "")
                out.append((who, f"/api/v1/projects?{query}"))
    for _ in range(QUEUE_WEIGHT):  # as many queue samples as project-list samples
        for who in (f"finance-{gen.busy_county}", f"finance-{gen.busy_prefecture}"):
            for page in (1, 2):
                out.append((who, f"/api/v1/payments/queue?per_page=20&page={page}"))
    return out


def latencies(gen: Generated, repeats: int) -> dict[str, list[float]]:
    """Milliseconds per request, by endpoint kind (``projects``, ``queue``)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "database_url": gen.url, "instance_path": tmp})
        db: Database = app.extensions["disburse.db"]
        client = app.test_client()
        plan = requests_of(gen)
        headers = {who: bearer(db, who) for who, _ in plan}
        for who, path in plan:  # warm up: caches, prepared statements
            _get(client, path, headers[who])
        out: dict[str, list[float]] = {"projects": [], "queue": []}
        for _ in range(repeats):
            for who, path in plan:
                t0 = time.perf_counter()
                _get(client, path, headers[who])
                out["queue" if "queue" in path else "projects"].append((time.perf_counter() - t0) * 1000)
        db.dispose()
        return out


def _get(client: Any, path: str, headers: dict[str, str]) -> None:
    resp = client.get(path, headers=headers)
    assert resp.status_code == 200, (path, resp.status_code, resp.get_json())


def p95(samples: dict[str, list[float]]) -> dict[str, float]:
    """p95 of each kind, and ``worst``: the larger of the two (the figure held against the target)."""
    kinds = {k: percentile(v, 0.95) for k, v in samples.items()}
    return {**kinds, "worst": max(kinds.values())}
