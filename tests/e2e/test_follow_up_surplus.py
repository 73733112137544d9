"""A follow-up project (续建) funded by a predecessor's surplus, spendable once (seed 000 §7)."""

from typing import Any

from tests.flow import COMMERCE, Flow, unmet_codes
from tests.helpers import example


def follow_up(predecessor_id: int, surplus: str) -> dict[str, Any]:
    """Seed 003's county again: 首款结余 from the predecessor plus new funds, 1000万 in all."""
    doc = example("003")
    doc["name"] = "XX县电子商务进农村综合示范续建项目"
    doc["funding"] = [
        {"source": "中央财政专项资金（首款结余）", "amount": surplus, "predecessor": predecessor_id},
        {"source": "中央财政专项资金（尾款）", "amount": str(1000 - int(surplus))},
    ]
    return doc


def test_a_predecessors_surplus_is_spent_once_only(flow: Flow) -> None:
    predecessor, _, _ = flow.selected_project()  # 1000万, contracted 650万 + 350万 = 1000万: no surplus
    assert predecessor["surplus"] == "0.00"
    doc = follow_up(predecessor["id"], "150")
    project = flow.ok(flow.post("/projects", doc), 201)
    resp = flow.fire(project["id"], "file")
    assert resp.status_code == 409 and unmet_codes(resp) == ["predecessor_surplus_spent"]


def test_surplus_funds_one_follow_up_and_not_a_second(flow: Flow) -> None:
    project = flow.tendered_project()
    flow.contract_a(project)  # 650万 of 1000万: 350万 surplus
    predecessor = flow.fire_ok(project["id"], "select_contractor")
    assert predecessor["surplus"] == "3500000.00"
    first = flow.ok(flow.post("/projects", follow_up(predecessor["id"], "300")), 201)
    assert first["funding"][0]["predecessor"] == predecessor["id"]
    assert flow.fire_ok(first["id"], "file")["state"] == "filed"
    second = flow.ok(flow.post("/projects", follow_up(predecessor["id"], "100")), 201)
    resp = flow.fire(second["id"], "file", as_=COMMERCE)
    assert resp.status_code == 409 and unmet_codes(resp) == ["predecessor_surplus_spent"]
    assert "500,000.00 yuan" in resp.get_json()["unmet"][0]["message_en"]
    assert "500,000.00 元（50万元）" in resp.get_json()["unmet"][0]["message_zh"]


def test_a_predecessor_without_contracts_has_no_known_surplus(flow: Flow) -> None:
    predecessor = flow.tendered_project()
    project = flow.ok(flow.post("/projects", follow_up(predecessor["id"], "150")), 201)
    resp = flow.fire(project["id"], "file")
    assert unmet_codes(resp) == ["predecessor_surplus_unknown"]


def test_an_unknown_predecessor_is_a_field_error(flow: Flow) -> None:
    resp = flow.post("/projects", follow_up(999999, "150"))
    assert resp.status_code == 422 and "funding" in resp.get_json()["errors"]
