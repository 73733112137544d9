"""Seed 003's five lines spent as the seed says (issue 20 item 6), on SQLite and PostgreSQL.

``examples/plans/003-xx-2024.spending.yaml`` reads seed 003 §5(1)1 (① 政府采购类, ② 项目申报类) against §3: lines
(一) and (三) are procured (contracts), (二) and (四) are called for (calls for applications), (五) is decided case
by case (一事一议) and opens neither. The test loads the plan and the file, signs and opens what the file says,
and finds each call's lines with their responsible units and deadlines on the public call.
"""

from typing import Any

import yaml

from tests.flow import CODE_A, CODE_B, COMMERCE, NAME_A, NAME_B, Flow, unmet_codes
from tests.helpers import EXAMPLES, example

SPENDING: dict[str, Any] = yaml.safe_load((EXAMPLES / "003-xx-2024.spending.yaml").read_text(encoding="utf-8"))
#: What a call asks for: test data (the seed lists no materials; the conditions default to §5(2)1's).
MATERIALS = ["营业执照", "项目申报书", "项目实施方案"]
SUPPLIERS = [(CODE_A, NAME_A), (CODE_B, NAME_B)]


def modes() -> dict[str, str]:
    return {line["ref"]: line["mode"] for line in SPENDING["lines"]}


def test_the_spending_file_reads_each_of_the_plans_lines_once() -> None:
    plan = example("003")
    assert SPENDING["plan"] == "003-xx-2024.yaml"
    assert [line["ref"] for line in SPENDING["lines"]] == [line["ref"] for line in plan["lines"]]
    assert modes() == {"（一）": "procurement", "（二）": "application", "（三）": "procurement",
                       "（四）": "application", "（五）": "case_by_case"}
    for line in SPENDING["lines"]:
        assert line["clause"].startswith("三(") and line["quote"] and line["reading"]
    assert "①政府采购类支出" in SPENDING["basis"]["quote"] and "②项目申报类支出" in SPENDING["basis"]["quote"]


def spend_as_the_file_says(flow: Flow) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Seed 003 filed and tendered; a contract on each procured line, a call on each called-for line."""
    project = flow.tendered_project()
    by_ref = {line["ref"]: (n, line) for n, line in enumerate(project["lines"], start=1)}
    contracts: dict[str, dict[str, Any]] = {}
    calls: dict[str, dict[str, Any]] = {}
    for ref, mode in modes().items():
        n, line = by_ref[ref]
        if mode == "procurement":
            code, name = SUPPLIERS[len(contracts)]
            body = flow.contract_body(project, [n], line["amount"], lot=f"{ref}{line['category']}", code=code,
                                      name=name)
            contracts[ref] = flow.ok(flow.add_contract(project, body), 201)
        elif mode == "application":
            calls[ref] = flow.ok(flow.post(f"/projects/{project['id']}/calls", {
                "title": f"{line['category']}项目申报", "line_ids": [line["id"]], "total": line["amount"],
                "deadline": line["deadline"], "materials": MATERIALS}), 201)
    return project, contracts, calls


def test_seed_003_is_spent_by_contracts_and_calls_as_its_five_lines_say(flow: Flow) -> None:
    project, contracts, calls = spend_as_the_file_says(flow)
    lines = {line["ref"]: line for line in project["lines"]}
    assert set(contracts) == {"（一）", "（三）"} and set(calls) == {"（二）", "（四）"}
    for ref, contract in contracts.items():
        assert contract["amount"] == lines[ref]["amount"] and contract["line_ids"] == [lines[ref]["id"]]
    for ref, call in calls.items():
        assert call["total"] == lines[ref]["amount"] and call["line_ids"] == [lines[ref]["id"]]
        assert call["deadline"] == lines[ref]["deadline"] == "2024-12-31"

    # A procured line has no room left for a call; the case-by-case line keeps all of its money.
    for ref in contracts:
        refused = flow.post(f"/projects/{project['id']}/calls", {
            "title": "试探", "line_ids": [lines[ref]["id"]], "total": "1.00", "deadline": "2024-12-31"})
        assert refused.status_code == 409 and unmet_codes(refused) == ["call_above_line_budget"]
    whole = lines["（五）"]
    assert whole["amount"] == "1000000.00"
    assert all(whole["id"] not in c["line_ids"] for c in (*contracts.values(), *calls.values()))

    # The public reads each call with its line's responsible units and deadline, as the plan gives them.
    public = {c["id"]: c for c in flow.client.get("/api/v1/public/calls").get_json()}
    plan_lines = {line["ref"]: line for line in example("003")["lines"]}
    for ref, call in calls.items():
        shown = public[call["id"]]
        assert [line["ref"] for line in shown["lines"]] == [ref]
        assert shown["lines"][0]["responsible"] == plan_lines[ref]["responsible"]
        assert shown["lines"][0]["deadline"] == plan_lines[ref]["deadline"] == "2024-12-31"
        assert shown["total_wan"] == f"{plan_lines[ref]['amount']}万元"
        assert shown["materials"] == MATERIALS and "近三年无违法违规记录" in shown["conditions"]
    assert "发改局" in public[calls["（二）"]["id"]]["lines"][0]["responsible"]

    page = flow.client.get(f"/public/calls/{calls['（四）']['id']}").get_data(as_text=True)
    assert "县电商办、商务局、财政局、农业农村局、各乡镇人民政府、街道办事处" in page and "2024-12-31" in page
    audit = [e["action"] for e in flow.audit_actions(project["id"])]
    assert audit.count("contract.sign") == 2 and audit.count("call.open") == 2
    assert flow.ok(flow.get(f"/calls/{calls['（二）']['id']}", COMMERCE))["title"] == "促进农村流通体系建设项目申报"
