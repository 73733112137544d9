"""The budget checks of a plan rule by rule (issue 18): each refusal of ``file`` beside the rule it breaks."""

from typing import Any

from disburse.schemas.plan import load_plan
from disburse.services.plan_checks import Check, plan_checks
from disburse.services.projects import check_plan_document
from tests.helpers import small_plan


def checks_of(document: dict[str, Any]) -> dict[str, Check]:
    return {check.code: check for check in plan_checks(load_plan(document)[0])}


def test_a_plan_at_the_edges_of_its_rules_passes_every_check() -> None:
    checks = checks_of(small_plan())
    assert all(check.passed for check in checks.values())
    assert {"caps:public_service_center", "floors:supply_chain", "prohibited:buildings", "lines_sum"} <= set(checks)


def test_a_cap_broken_fails_that_cap_alone_and_comes_first() -> None:
    document = small_plan()
    document["lines"][0]["amount"], document["lines"][2]["amount"] = "1500000.01", "2499999.99"
    checks = plan_checks(load_plan(document)[0])
    assert checks[0].code == "caps:public_service_center" and not checks[0].passed
    assert [u.code for u in checks[0].unmet] == ["share_above_cap"]
    assert all(check.passed for check in checks[1:])


def test_every_refusal_of_file_stands_beside_one_check() -> None:
    document = small_plan()
    document["lines"][1]["tags"] = ["buildings"]  # a prohibited use, and the supply chain's half is gone
    document["lines"][3]["tags"] = []
    document["lines"][2]["amount"] = None
    document["funding"][0]["amount"] = "9000000.00"
    plan = load_plan(document)[0]
    listed = [u for check in plan_checks(plan) for u in check.unmet]
    assert sorted(u.code for u in listed) == sorted(u.code for u in check_plan_document(plan))
    checks = checks_of(document)
    failed = {code for code, check in checks.items() if not check.passed}
    assert failed == {"amounts", "tags", "funding_sum", "prohibited:buildings", "floors:supply_chain"}
