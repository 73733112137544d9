"""Tender rounds, contracts and contractor selection through the HTTP API (SPEC §4, §5.1, §11.1).

Seed 003 (1000万, lines 150/500/150/100/100 万) tendered by item in 霞浦县, on SQLite and PostgreSQL.
"""

from typing import Any

import pytest

from tests.flow import (
    CODE_A,
    CODE_C,
    COMMERCE,
    CONTRACTOR_A,
    DECLARED,
    FINANCE,
    NAME_A,
    NAME_C,
    TENDER,
    Flow,
    unmet_codes,
    with_wrong_check_digit,
)


@pytest.fixture
def tendered(flow: Flow) -> dict[str, Any]:
    return flow.tendered_project()


def contracts_of(flow: Flow, pid: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = flow.ok(flow.get(f"/projects/{pid}/contracts"))["items"]
    return items


# --- creating a contract ------------------------------------------------------------------------


def test_a_contract_carries_its_contractor_and_an_untouched_ledger(flow: Flow, tendered: dict[str, Any]) -> None:
    contract = flow.contract_a(tendered)
    assert contract["project_id"] == tendered["id"] and contract["lot"] == "标段一"
    assert contract["amount"] == "6500000.00" and contract["signed_on"] == "2024-09-20"
    assert contract["line_ids"] == [tendered["lines"][0]["id"], tendered["lines"][1]["id"]]
    assert contract["schedule"]["advance"] == "0.30"
    assert [s["share"] for s in contract["schedule"]["stages"]] == ["0.40"]
    contractor = contract["contractor"]
    assert contractor["name"] == NAME_A and contractor["credit_code"] == CODE_A and contractor["region"] == "350921"
    assert contractor["declarations"] == DECLARED
    assert contractor["eligible"] is True and contractor["unmet"] == []
    assert contract["ledger"] == {"contracted": "6500000.00", "requested": "0.00", "in_flight": "0.00",
                                  "approved": "0.00", "disbursed": "0.00", "remaining": "6500000.00",
                                  "recovered": "0.00"}
    assert flow.ok(flow.get(f"/contracts/{contract['id']}")) == contract
    assert [c["id"] for c in contracts_of(flow, tendered["id"])] == [contract["id"]]


def test_a_wrong_check_digit_is_a_422_that_names_the_check_digit(flow: Flow, tendered: dict[str, Any]) -> None:
    body = flow.contract_body(tendered, [1, 2], "6500000.00", code=with_wrong_check_digit(CODE_A))
    resp = flow.add_contract(tendered, body)
    assert resp.status_code == 422
    messages = resp.get_json()["errors"]["contractor.credit_code"]
    assert any("check digit" in m for m in messages)
    assert contracts_of(flow, tendered["id"]) == []


def test_a_json_number_for_the_contract_amount_is_a_422(flow: Flow, tendered: dict[str, Any]) -> None:
    body = flow.contract_body(tendered, [1, 2], "6500000.00")
    body["amount"] = 6500000
    resp = flow.add_contract(tendered, body)
    assert resp.status_code == 422 and "amount" in resp.get_json()["errors"]


def test_the_same_credit_code_on_two_contracts_is_one_contractor(flow: Flow, tendered: dict[str, Any]) -> None:
    first = flow.contract_a(tendered)
    second = flow.ok(flow.add_contract(tendered, flow.contract_body(tendered, [3], "1500000.00", lot="标段二")), 201)
    assert first["contractor"]["id"] == second["contractor"]["id"]


@pytest.mark.parametrize("declarations", [
    {"independent_legal_person": True, "sound_accounting": True, "no_violation_3y": False},
    {"independent_legal_person": True, "sound_accounting": True},
], ids=["declared_false", "not_declared"])
def test_a_contractor_without_the_no_violation_declaration_is_contracted_but_cannot_be_selected(
        flow: Flow, tendered: dict[str, Any], declarations: dict[str, bool]) -> None:
    flow.contract_a(tendered)
    body = flow.contract_body(tendered, [3, 4, 5], "3500000.00", lot="标段二", code=CODE_C, name=NAME_C,
                              declarations=declarations)
    contract = flow.ok(flow.add_contract(tendered, body), 201)
    assert contract["contractor"]["eligible"] is False

    resp = flow.fire(tendered["id"], "select_contractor")
    assert resp.status_code == 409
    unmet = resp.get_json()["unmet"]
    assert [u["code"] for u in unmet] == ["contractor_ineligible"]
    assert NAME_C in unmet[0]["message"] and "no_violation_3y" in unmet[0]["message"]
    assert unmet[0]["message_zh"] and unmet[0]["message_en"] and unmet[0]["clause"]
    assert flow.project(tendered["id"])["state"] == "tendered"


def test_contracts_over_the_project_total_are_refused(flow: Flow, tendered: dict[str, Any]) -> None:
    flow.contract_a(tendered)
    over = flow.contract_body(tendered, [3, 4, 5], "3500000.01", lot="标段二", code=CODE_C, name=NAME_C)
    resp = flow.add_contract(tendered, over)
    # above the lines it covers (issue 17) and above the project total
    assert resp.status_code == 409 and unmet_codes(resp) == ["contract_above_lines", "contracts_over_total"]
    assert len(contracts_of(flow, tendered["id"])) == 1
    over["amount"] = "3500000.00"  # exactly the total is allowed
    assert flow.add_contract(tendered, over).status_code == 201


def test_a_line_already_covered_by_another_contract_is_refused(flow: Flow, tendered: dict[str, Any]) -> None:
    flow.contract_a(tendered)
    twice = flow.contract_body(tendered, [2, 3], "1000000.00", lot="标段二", code=CODE_C, name=NAME_C)
    resp = flow.add_contract(tendered, twice)
    assert resp.status_code == 409 and unmet_codes(resp) == ["line_covered_twice"]
    assert len(contracts_of(flow, tendered["id"])) == 1


def test_a_line_of_no_project_or_of_another_project_is_a_422(flow: Flow, tendered: dict[str, Any]) -> None:
    other = flow.create_project()
    for line_id in (max(line["id"] for line in other["lines"]) + 1000, other["lines"][0]["id"]):
        body = flow.contract_body(tendered, [1], "1500000.00")
        body["line_ids"] = [line_id]
        resp = flow.add_contract(tendered, body)
        assert resp.status_code == 422, resp.get_json()
        assert "line_ids" in resp.get_json()["errors"]
    assert contracts_of(flow, tendered["id"]) == []


@pytest.mark.parametrize(("schedule", "code"), [
    ({"advance": "0.30", "stages": [{"name": "阶段一", "share": "0.40"}], "final": "0.29"}, "schedule_not_one"),
    ({"advance": "0.30", "stages": [{"name": "阶段一", "share": "0.40"}, {"name": "阶段二", "share": "0.10"}],
      "final": "0.30"}, "schedule_not_one"),
    ({"advance": "0.31", "stages": [{"name": "阶段一", "share": "0.39"}], "final": "0.30"}, "advance_above_cap"),
], ids=["short_of_one", "over_one", "advance_31_percent"])
def test_a_payment_schedule_must_sum_to_one_with_an_advance_of_at_most_30_percent(
        flow: Flow, tendered: dict[str, Any], schedule: dict[str, Any], code: str) -> None:
    resp = flow.add_contract(tendered, flow.contract_body(tendered, [1, 2], "6500000.00", schedule=schedule))
    assert resp.status_code == 409 and unmet_codes(resp) == [code]
    assert contracts_of(flow, tendered["id"]) == []
    flow.contract_a(tendered)  # the default schedule (advance 0.30) sits exactly at the cap and is accepted


def test_contracts_are_signed_by_commerce_while_the_project_is_tendered(flow: Flow) -> None:
    project = flow.create_project()
    filed = flow.fire_ok(project["id"], "file")
    resp = flow.add_contract(filed, flow.contract_body(filed, [1, 2], "6500000.00"))
    assert resp.status_code == 409 and unmet_codes(resp) == ["wrong_state"]
    tendered = flow.fire_ok(project["id"], "open_tender", **TENDER)
    resp = flow.add_contract(tendered, flow.contract_body(tendered, [1, 2], "6500000.00"), FINANCE)
    assert resp.status_code == 403
    assert contracts_of(flow, project["id"]) == []


# --- the project's view of its contracts --------------------------------------------------------


def test_the_project_shows_what_is_contracted_and_the_surplus(flow: Flow, tendered: dict[str, Any]) -> None:
    pid = tendered["id"]
    assert (tendered["contracted"], tendered["surplus"]) == ("0.00", "10000000.00")
    a = flow.contract_a(tendered)
    project = flow.project(pid)
    assert (project["contracted"], project["surplus"]) == ("6500000.00", "3500000.00")
    body = flow.contract_body(tendered, [3, 4, 5], "3000000.00", lot="标段二", code=CODE_C, name=NAME_C)
    c = flow.ok(flow.add_contract(tendered, body), 201)
    project = flow.project(pid)
    assert (project["contracted"], project["surplus"]) == ("9500000.00", "500000.00")
    assert project["contracts"] == [
        {"id": a["id"], "lot": "标段一", "contractor_name": NAME_A, "amount": "6500000.00"},
        {"id": c["id"], "lot": "标段二", "contractor_name": NAME_C, "amount": "3000000.00"},
    ]


def test_a_contract_can_be_withdrawn_while_tendered_but_not_after_selection(
        flow: Flow, tendered: dict[str, Any]) -> None:
    pid = tendered["id"]
    a = flow.contract_a(tendered)
    withdrawn = flow.contract_b(tendered)
    resp = flow.delete(f"/contracts/{withdrawn['id']}")
    assert resp.status_code == 204
    assert flow.get(f"/contracts/{withdrawn['id']}").status_code == 404
    assert [c["id"] for c in contracts_of(flow, pid)] == [a["id"]]
    assert flow.project(pid)["contracted"] == "6500000.00"

    assert flow.fire_ok(pid, "select_contractor")["state"] == "contractor_selected"
    resp = flow.delete(f"/contracts/{a['id']}")
    assert resp.status_code == 409
    assert flow.ok(flow.get(f"/contracts/{a['id']}"))["id"] == a["id"]
    resp = flow.add_contract(tendered, flow.contract_body(tendered, [3], "1500000.00", code=CODE_C, name=NAME_C))
    assert resp.status_code == 409 and unmet_codes(resp) == ["wrong_state"]


def test_select_contractor_needs_at_least_one_contract(flow: Flow, tendered: dict[str, Any]) -> None:
    resp = flow.fire(tendered["id"], "select_contractor")
    assert resp.status_code == 409 and resp.get_json()["unmet"]
    assert flow.project(tendered["id"])["state"] == "tendered"


# --- tender rounds ------------------------------------------------------------------------------


def test_a_failed_tender_round_then_a_reannouncement_keeps_the_project_tendered_with_two_rounds(
        flow: Flow, tendered: dict[str, Any]) -> None:
    pid = tendered["id"]
    failed = flow.fire_ok(pid, "tender_failed", note="有效投标人不足三家，流标")
    assert failed["state"] == "tendered"
    assert failed["tender"]["rounds"][0]["outcome"] == "failed"
    assert failed["tender"]["rounds"][0]["failed_note"] == "有效投标人不足三家，流标"

    second = {"method": "competitive_negotiation", "packaging": "by_item", "announced_on": "2024-09-16",
              "reference": "XP-2024-ZB-01-2"}
    project = flow.fire_ok(pid, "reannounce_tender", **second)
    assert project["state"] == "tendered"
    rounds = project["tender"]["rounds"]
    assert [(r["round"], r["outcome"]) for r in rounds] == [(1, "failed"), (2, "open")]
    assert {k: rounds[0][k] for k in TENDER} == TENDER
    assert {k: rounds[1][k] for k in second} == second
    assert project["tender"]["current"] == rounds[1]

    moves = [(e["action"], e["from_state"], e["to_state"]) for e in flow.audit_actions(pid)][-2:]
    assert moves == [("project.tender_failed", "tendered", "tendered"),
                     ("project.reannounce_tender", "tendered", "tendered")]
    assert flow.fire(pid, "reannounce_tender", **second).status_code == 409  # round 2 has not failed


def test_reannouncing_without_a_failed_round_is_a_409(flow: Flow, tendered: dict[str, Any]) -> None:
    resp = flow.fire(tendered["id"], "reannounce_tender", **{**TENDER, "reference": "XP-2024-ZB-01-2"})
    assert resp.status_code == 409 and resp.get_json()["unmet"]
    assert len(flow.project(tendered["id"])["tender"]["rounds"]) == 1


# --- what a contractor user sees ----------------------------------------------------------------


def test_a_contractor_user_sees_only_projects_where_its_company_holds_a_contract(flow: Flow) -> None:
    own, a, _ = flow.selected_project()
    other = flow.tendered_project()
    c = flow.ok(flow.add_contract(other, flow.contract_body(other, [1, 2], "6500000.00", code=CODE_C,
                                                            name=NAME_C)), 201)
    listed = flow.ok(flow.get("/projects", CONTRACTOR_A))
    assert [p["id"] for p in listed["items"]] == [own["id"]]
    assert flow.get(f"/projects/{own['id']}", CONTRACTOR_A).status_code == 200
    assert flow.get(f"/projects/{other['id']}", CONTRACTOR_A).status_code == 404
    assert flow.ok(flow.get(f"/contracts/{a['id']}", CONTRACTOR_A))["id"] == a["id"]
    assert flow.get(f"/contracts/{c['id']}", CONTRACTOR_A).status_code == 404
    assert flow.get(f"/projects/{other['id']}", COMMERCE).status_code == 200


def test_a_contractor_user_applies_for_acceptance_only_on_its_own_contract(flow: Flow) -> None:
    project, a, b = flow.selected_project()
    resp = flow.apply(b, CONTRACTOR_A)
    assert resp.status_code in (403, 404)
    assert flow.project(project["id"])["state"] == "contractor_selected"
    assert flow.ok(flow.apply(a, CONTRACTOR_A), 201)["contract_id"] == a["id"]
