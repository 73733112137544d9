"""What every metric shares: the result record, medians and percentiles, actors by username."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from disburse.adapters.db import Database
from disburse.adapters.orm import Region, User
from disburse.services import users
from disburse.services.context import Actor


@dataclass
class Metric:
    """One line of the report: ``value`` against ``baseline``, ``ratio`` against ``target``."""

    name: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    target: str
    ok: bool
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def check(target: str, x: float) -> bool:
    """``target`` is like ``>= 0.5``, ``<= 2.0`` or ``< 100``."""
    op, limit = target.split()
    bound = float(limit)
    return {">=": x >= bound, "<=": x <= bound, "<": x < bound, ">": x > bound}[op]


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def percentile(xs: list[float], q: float) -> float:
    """The ``q`` quantile (0–1), nearest rank."""
    ordered = sorted(xs)
    rank = max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def rate(n: int, fn: Callable[[], None]) -> float:
    """Calls of ``fn`` per second over ``n`` calls."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def actor(db: Database, username: str) -> Actor:
    """The generated user as the services see it."""
    with db.reading() as tx:
        row = tx.session.scalar(select(User).where(User.username == username))
        assert row is not None, username
        path = tx.session.scalar(select(Region.path).where(Region.code == row.region_code))
        assert path is not None
        return Actor(id=row.id, username=row.username, role=row.role, region_code=row.region_code,
                     region_path=path, contractor_code=row.contractor_code)


def bearer(db: Database, username: str) -> dict[str, str]:
    """An ``Authorization`` header for the generated user (a token issued by the service)."""
    token, _ = users.issue_token(db, actor(db, username), timedelta(hours=8))
    return {"Authorization": f"Bearer {token}"}
