"""Small helpers shared by the tests: users with tokens, plan documents."""

from copy import deepcopy
from pathlib import Path
from typing import Any

import yaml

from disburse.adapters.db import Database
from disburse.services import users

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
#: The example plan documents (``003-xx-2024.spending.yaml`` beside them says how seed 003's lines are spent).
PLANS = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".spending.yaml"))
PASSWORD = "correct horse battery"


def plan_path(name: str) -> Path:
    """The example plan document whose file name starts with ``name`` (e.g. "003")."""
    return next(p for p in PLANS if p.name.startswith(name))


def example(name: str) -> dict[str, Any]:
    """An example plan document as a JSON-ready dict (dates as strings)."""
    from disburse.schemas.plan import jsonable

    path = plan_path(name)
    return jsonable(yaml.safe_load(path.read_text(encoding="utf-8")))


def make_user(db: Database, username: str, role: str, region: str, contractor: str | None = None) -> int:
    return users.create_user(db, username, role=role, region=region, password=PASSWORD,
                             contractor=contractor)


def token_headers(client: Any, username: str) -> dict[str, str]:
    resp = client.post("/api/v1/auth/tokens", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


class Tokens:
    """Each user's bearer token, issued again whenever the app's clock has moved since: a token lives by the
    app's clock (issue 15: one clock), so a test that travels eight hours would otherwise hold dead ones."""

    def __init__(self, client: Any, clock: Any) -> None:
        self.client = client
        self.clock = clock
        self._issued: dict[str, tuple[Any, dict[str, str]]] = {}

    def __getitem__(self, username: str) -> dict[str, str]:
        now = self.clock.now()
        issued = self._issued.get(username)
        if issued is None or issued[0] != now:
            issued = self._issued[username] = (now, token_headers(self.client, username))
        return issued[1]

    def clear(self) -> None:
        self._issued.clear()


def small_plan(region: str = "530325", rule_set: str = "qujing-2018") -> dict[str, Any]:
    """A 1000万 plan at the edges of seed 004 §5(1): service centre exactly 15 %, supply chain exactly 50 %."""
    return deepcopy({
        "name": "富源县电子商务进农村综合示范项目（测试）",
        "region": region,
        "rule_set": rule_set,
        "total": "10000000.00",
        "funding": [{"source": "中央财政专项资金", "amount": "10000000.00"}],
        "period": {"start": "2019-01-01", "end": "2020-12-31"},
        "lines": [
            {"category": "公共服务中心", "item": "县级电商公共服务中心运营", "amount": "1500000.00",
             "tags": ["public_service_center"]},
            {"category": "供应链", "item": "农产品供应链体系", "amount": "5000000.00", "tags": ["supply_chain"]},
            {"category": "物流", "item": "县乡村三级物流", "amount": "2500000.00", "tags": ["logistics"]},
            {"category": "培训", "item": "电商培训", "amount": "1000000.00", "tags": ["training"]},
        ],
        "targets": [{"name": "电商培训", "unit": "人次", "target": "3000"}],
    })
