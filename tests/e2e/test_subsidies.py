"""An awarded application's work accepted and its subsidy paid (issue 20; seed 003 §5(2)3③: 项目合格验收后，由县财政局
按照程序和要求拨付资金; 先建后补).

The award writes a subsidy agreement (补助协议) with the enterprise; the work is accepted on it as any contract's
(seed 004 §5(5): review, finance's re-check, notice, the leading group's approval) and the subsidy — payment kind
``subsidy`` — goes the way of every payment: requested, verified, approved and disbursed by four different people,
within the award and what was accepted.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest

from disburse.domain.notice import local_date
from tests.e2e.test_applications import ENTERPRISE, act, act_ok, apply, filed, notice_clear, open_call
from tests.flow import (
    CODE_C,
    COMMERCE,
    COUNTY,
    DECLARED,
    FINANCE,
    LEADER,
    NAME_C,
    PAYEE_BANK,
    Flow,
    credit_code,
    unmet_codes,
)

COMMERCE_2 = "xp-commerce-2"
FINANCE_2 = "xp-finance-2"
CODE_D = credit_code("91350921MA32PQRT4")
ACCOUNT = "6228 4801 5555 0000 333"


@pytest.fixture
def flow(flow: Flow) -> Flow:
    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    flow.user(COMMERCE_2, "commerce")
    flow.user(FINANCE_2, "finance")
    return flow


def awarded(flow: Flow, project: dict[str, Any], subsidy: str = "500000.00") -> tuple[dict[str, Any], dict[str, Any]]:
    call = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    application = act_ok(flow, notice_clear(flow, call, subsidy), "award", LEADER)
    assert application["state"] == "awarded" and application["contract_id"] is not None
    return call, application


def accepted(flow: Flow, project: dict[str, Any], application: dict[str, Any], amount: str) -> dict[str, Any]:
    """The enterprise applies; commerce reviews (the verdict on the call's line), finance re-checks, the notice
    runs its course, the leading group approves."""
    acceptance = flow.ok(flow.post(f"/applications/{application['id']}/acceptances",
                                   {"note": "服务站已建成投运", "document_ids": []}, ENTERPRISE), 201)
    assert acceptance["contract_id"] == application["contract_id"] and acceptance["kind"] == "final"
    flow.act_ok(acceptance, "start_review")
    line = project["lines"][3]["id"]
    flow.act_ok(acceptance, "pass", verdicts=[{"line_id": line, "result": "pass", "accepted_amount": amount,
                                               "note": "按实际建成站点核定"}])
    noticed = flow.publish(acceptance)
    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    flow.act_ok(acceptance, "close_notice")
    approved = flow.act_ok(acceptance, "approve", LEADER)
    assert approved["state"] == "approved"
    return approved


def today(flow: Flow) -> str:
    return local_date(flow.clock.now()).isoformat()


def request(flow: Flow, application: dict[str, Any], amount: str, as_: str = ENTERPRISE, **extra: Any) -> Any:
    return flow.post(f"/applications/{application['id']}/payments", {"amount": amount, **extra}, as_)


def step(flow: Flow, payment: dict[str, Any], event: str, as_: str, **data: Any) -> Any:
    return flow.post(f"/payments/{payment['id']}/events", {"event": event, **data}, as_)


def test_an_application_goes_from_submission_to_payment_with_four_people_at_the_money_steps(flow: Flow) -> None:
    project = filed(flow)
    flow.funds_arrived(project)
    call, application = awarded(flow, project)
    assert flow.ok(flow.get(f"/contracts/{application['contract_id']}"))["amount"] == "500000.00"

    early = request(flow, application, "500000.00")
    assert early.status_code == 409 and unmet_codes(early) == ["subsidy_acceptance_missing"]
    accepted(flow, project, application, "450000.00")  # 核减: less was built than awarded

    above_award = request(flow, application, "500000.01")
    assert above_award.status_code == 409
    assert {"subsidy_above_award", "above_accepted_amount"} <= set(unmet_codes(above_award))
    above_accepted = request(flow, application, "450000.01")
    assert above_accepted.status_code == 409 and unmet_codes(above_accepted) == ["above_accepted_amount"]

    payment = flow.ok(request(flow, application, "450000.00"), 201)
    assert payment["kind"] == "subsidy" and payment["state"] == "requested"
    # commerce recorded the acceptance's verdict: another commerce official verifies the payment
    assert unmet_codes(step(flow, payment, "verify", COMMERCE)) == ["verdict_recorder"]
    flow.ok(step(flow, payment, "verify", COMMERCE_2))
    flow.ok(step(flow, payment, "approve", FINANCE))
    assert "same_user_two_steps" in unmet_codes(step(flow, payment, "disburse", FINANCE, voucher_no="ZF-2024-101",
                                                     disbursed_on=today(flow)))
    refused = step(flow, payment, "disburse", FINANCE_2, voucher_no="ZF-2024-101", disbursed_on=today(flow))
    assert unmet_codes(refused) == ["payee_account_missing"]
    flow.client.put(f"/api/v1/contracts/{application['contract_id']}/payee", headers=flow.h(COMMERCE),
                    json={"payee_bank": PAYEE_BANK, "payee_account": ACCOUNT})
    paid = flow.ok(step(flow, payment, "disburse", FINANCE_2, voucher_no="ZF-2024-101", disbursed_on=today(flow)))
    assert paid["state"] == "disbursed"
    steps = {paid[f"{s}_by"] for s in ("requested", "verified", "approved", "disbursed")}
    assert len(steps) == 4

    again = request(flow, application, "0.01")
    assert again.status_code == 409 and unmet_codes(again) == ["above_accepted_amount"]
    shown = flow.ok(flow.get(f"/applications/{application['id']}"))
    assert [(p["kind"], p["amount"], p["state"]) for p in shown["payments"]] == [("subsidy", "450000.00",
                                                                                  "disbursed")]
    assert [a["state"] for a in shown["acceptances"]] == ["approved"]

    actions = [e["action"] for e in flow.audit_actions(project["id"])]
    for expected in ("application.submit", "application.review", "application.finance_recheck",
                     "application.publish", "application.award", "acceptance.apply", "acceptance.pass",
                     "acceptance.approve", "payment.request", "payment.verify", "payment.approve",
                     "payment.disburse"):
        assert expected in actions, expected
    award = next(e for e in flow.audit_actions(project["id"]) if e["action"] == "application.award")
    assert award["data"]["contract_id"] == application["contract_id"]

    public = flow.client.get("/api/v1/public/calls").get_json()
    assert [(r["applicant"], r["awarded"]) for r in public[0]["recipients"]] == [(NAME_C, "500000.00")]

    ledger = flow.ok(flow.get(f"/projects/{project['id']}/ledger", FINANCE))
    [row] = [c for c in ledger["contracts"] if c["contract_id"] == application["contract_id"]]
    assert (row["contracted"], row["disbursed"]) == ("500000.00", "450000.00")


def test_a_subsidy_found_wrong_by_the_audit_is_recovered_from_the_agreement(flow: Flow) -> None:
    """The recovery path (issue 17) takes the subsidy agreement as it takes a contract: ordered on what was
    disbursed on it, received, the ledger showing it."""
    project = filed(flow)
    flow.funds_arrived(project)
    _, application = awarded(flow, project)
    accepted(flow, project, application, "500000.00")
    flow.client.put(f"/api/v1/contracts/{application['contract_id']}/payee", headers=flow.h(COMMERCE),
                    json={"payee_bank": PAYEE_BANK, "payee_account": ACCOUNT})
    payment = flow.ok(request(flow, application, "500000.00"), 201)
    flow.ok(step(flow, payment, "verify", COMMERCE_2))
    flow.ok(step(flow, payment, "approve", FINANCE))
    flow.ok(step(flow, payment, "disburse", FINANCE_2, voucher_no="ZF-2024-102", disbursed_on=today(flow)))
    above = flow.post(f"/projects/{project['id']}/recoveries",
                      {"basis": "audit_finding", "amount": "500000.01", "reason": "审计发现虚报建设内容",
                       "contract_id": application["contract_id"]}, FINANCE)
    assert above.status_code in (409, 422)
    order = flow.ok(flow.post(f"/projects/{project['id']}/recoveries",
                              {"basis": "audit_finding", "amount": "100000.00", "reason": "审计发现虚报建设内容",
                               "contract_id": application["contract_id"]}, FINANCE), 201)
    assert order["contract_id"] == application["contract_id"] and order["amount"] == "100000.00"


def enterprise_d_cleared(flow: Flow, call: dict[str, Any], subsidy: str) -> dict[str, Any]:
    """Enterprise D applies on the call (commerce on its behalf) for ``subsidy``, reviewed, re-checked and
    publicised; the notice has ended."""
    application = flow.ok(flow.post(f"/calls/{call['id']}/applications",
                                    {"applicant": {"name": "XX县海产品电商有限公司", "credit_code": CODE_D,
                                                   "region": COUNTY, "declarations": DECLARED},
                                     "amount_requested": subsidy, "description": "海产品冷链包装",
                                     "document_ids": []}), 201)
    act_ok(flow, application, "start_review")
    act_ok(flow, application, "review", panel=[{"name": n, "bureau": "县商务局", "no_conflict": True}
                                               for n in ("张三", "李四", "王五")],
           site_visit={"date": "2024-09-27", "note": "现场核实"}, verdict="pass", proposed_subsidy=subsidy)
    act_ok(flow, application, "finance_recheck", FINANCE, note="经复核属实")
    noticed = act_ok(flow, application, "publish")
    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    return act_ok(flow, application, "close_notice")


def test_awards_beyond_the_lines_remaining_budget_are_refused(flow: Flow) -> None:
    project = filed(flow)
    call, first = awarded(flow, project, "700000.00")
    second = enterprise_d_cleared(flow, call, "400000.00")
    refused = act(flow, second, "award", LEADER)
    assert refused.status_code == 409 and "award_above_line_budget" in unmet_codes(refused)
    assert flow.ok(flow.get(f"/applications/{second['id']}"))["contract_id"] is None
    # the award on the line is counted once (its agreement commits nothing more): a new call has what is left
    assert open_call(flow, project, 4, "300000.01").status_code == 409
    assert open_call(flow, project, 4, "300000.00").status_code == 201


def test_a_subsidy_is_paid_only_on_an_award_and_an_agreement_pays_nothing_else(flow: Flow) -> None:
    project = flow.tendered_project()
    procured = flow.contract_a(project)
    call = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    pending = flow.ok(apply(flow, call), 201)
    refused = request(flow, pending, "1.00")
    assert refused.status_code == 409 and unmet_codes(refused) == ["application_not_awarded"]
    assert flow.post(f"/applications/{pending['id']}/acceptances", {}, ENTERPRISE).status_code == 409
    on_procured = flow.post(f"/contracts/{procured['id']}/payments", {"kind": "subsidy", "amount": "1.00"})
    assert on_procured.status_code == 409 and "subsidy_needs_award" in unmet_codes(on_procured)


def test_an_advance_on_a_subsidy_agreement_is_refused(flow: Flow) -> None:
    project = filed(flow)
    _, application = awarded(flow, project)
    advance = flow.post(f"/contracts/{application['contract_id']}/payments", {"kind": "advance", "amount": "1.00"})
    assert advance.status_code == 409 and "agreement_pays_subsidy" in unmet_codes(advance)
    other = flow.get(f"/applications/{application['id']}", "xp-contractor-a")
    assert other.status_code == 404
    assert NAME_C in flow.ok(flow.get(f"/contracts/{application['contract_id']}"))["lot"]


def test_two_awards_on_a_line_leave_contracts_signable_within_what_the_line_has_left(flow: Flow) -> None:
    """Agreements share their call's line; a procured contract on it is signed within the line's budget less the
    awards (issue 20: Σ awarded + contracted on a line ≤ the line)."""
    project = flow.tendered_project()
    call = flow.ok(open_call(flow, project, 4, "600000.00"), 201)
    act_ok(flow, notice_clear(flow, call, "300000.00"), "award", LEADER)
    second = enterprise_d_cleared(flow, call, "200000.00")
    assert act_ok(flow, second, "award", LEADER)["state"] == "awarded"
    too_much = flow.add_contract(project, flow.contract_body(project, [4], "500000.01", lot="标段四"))
    assert too_much.status_code == 409 and unmet_codes(too_much) == ["contract_above_lines"]
    assert "扣除已批准补助" in too_much.get_json()["unmet"][0]["message"]
    flow.ok(flow.add_contract(project, flow.contract_body(project, [4], "500000.00", lot="标段四")), 201)
