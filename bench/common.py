"""What every metric shares: the result record, interleaved rounds and their summaries, medians and
percentiles, actors by username."""

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


def spread(xs: list[float], digits: int = 2) -> dict[str, Any]:
    """Min, median and max of a series, and the series itself, rounded for the report."""
    return {"min": round(min(xs), digits), "median": round(median(xs), digits), "max": round(max(xs), digits),
            "rounds": [round(x, digits) for x in xs]}


@dataclass
class Pair:
    """A measurement and its baseline taken in alternating rounds: baseline, product, baseline, product …"""

    baseline: list[float] = field(default_factory=list)
    product: list[float] = field(default_factory=list)
    order: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Product over baseline, medians of each."""
        return median(self.product) / median(self.baseline)

    def summary(self, digits: int = 2) -> dict[str, Any]:
        return {"baseline": spread(self.baseline, digits), "product": spread(self.product, digits),
                "order": "".join("b" if o == "baseline" else "p" for o in self.order)}


def interleave(rounds: int, baseline: Callable[[int], float], product: Callable[[int], float]) -> Pair:
    """Run ``baseline(r)`` then ``product(r)`` for r = 0 … rounds-1; at least three rounds."""
    if rounds < 3:
        raise ValueError("at least three rounds, so a median means something")
    pair = Pair()
    for r in range(rounds):
        pair.baseline.append(baseline(r))
        pair.order.append("baseline")
        pair.product.append(product(r))
        pair.order.append("product")
    return pair


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
