"""Recoveries from any state (issue 17): an order on a basis, a receivable settled by receipts.

Seed 003 §5(1)3: 对弄虚作假、欺骗行为的项目，应当如数追缴回全部资金 — fraud recovers everything disbursed.
Seed 004 §5(5)4: 未通过市级审核和中央、省绩效评价的，收回中央补助资金 — a failed evaluation recovers.
"""

import re
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from disburse.adapters.migrations import alembic_config, upgrade
from tests.flow import (
    COMMERCE,
    CONTRACTOR_A,
    CONTRACTOR_B,
    FINANCE,
    INSPECTOR,
    LEADER,
    SUPERVISOR,
    Flow,
    unmet_codes,
)
from tests.server_process import FINANCE_2

TODAY = "2024-09-27"  # the flow's clock: 10:00 on 2024-09-27, Asia/Shanghai
EVALUATOR = "第三方评估机构"
ADVANCE_A = "1950000.00"  # 30 % of contract A's 650万
ADVANCE_B = "500000.00"


@pytest.fixture
def flow(paying_flow: Flow) -> Flow:
    return paying_flow


def paid(flow: Flow, contract: dict[str, Any], amount: str, voucher: str, requester: str = CONTRACTOR_A,
         *, until: str = "disbursed") -> dict[str, Any]:
    """An advance on the contract, taken through its steps up to ``until``."""
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": amount},
                                requester), 201)
    steps = [("verify", COMMERCE, {}), ("approve", FINANCE, {}),
             ("disburse", FINANCE_2, {"voucher_no": voucher, "disbursed_on": TODAY})]
    for event, who, data in steps:
        if payment["state"] == until:
            break
        payment = flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": event, **data}, who))
    assert payment["state"] == until
    return payment


def in_staged_acceptance_with_advances(flow: Flow) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Seed 003 contracted to A and B, an advance disbursed on each, acceptance started."""
    project, a, b = flow.selected_project()
    paid(flow, a, ADVANCE_A, "XP-PZ-0001")
    paid(flow, b, ADVANCE_B, "XP-PZ-0002", CONTRACTOR_B)
    assert flow.fire_ok(project["id"], "start_acceptance")["state"] == "staged_acceptance"
    return project["id"], a, b


def order(flow: Flow, pid: int, as_: str = SUPERVISOR, **body: Any) -> Any:
    return flow.post(f"/projects/{pid}/recoveries", body, as_)


def receipt(flow: Flow, recovery: dict[str, Any], amount: str, voucher: str, as_: str = FINANCE) -> Any:
    return flow.post(f"/recoveries/{recovery['id']}/events",
                     {"event": "record_receipt", "amount": amount, "received_on": TODAY, "voucher_no": voucher}, as_)


def balances(flow: Flow, pid: int, disbursed: str, ordered: str, received: str) -> dict[str, Any]:
    """The ledger and the project agree with each other and with the figures expected: recovered ≤ disbursed
    on every contract, the contracts' recovered sum to what was received, outstanding = ordered − received."""
    ledger = flow.ok(flow.get(f"/projects/{pid}/ledger"))
    project = flow.project(pid)
    totals, owed = ledger["totals"], ledger["recoveries"]
    assert totals["disbursed"] == project["disbursed"] == disbursed
    assert owed["ordered"] == project["recovery"]["ordered"] == ordered
    assert owed["received"] == totals["recovered"] == project["recovered"] == received
    outstanding = f"{Decimal(ordered) - Decimal(received):.2f}"
    assert owed["outstanding"] == totals["outstanding"] == project["outstanding"] == outstanding
    assert sum(Decimal(c["recovered"]) for c in ledger["contracts"]) == Decimal(received)
    for c in ledger["contracts"]:
        assert Decimal(c["recovered"]) <= Decimal(c["disbursed"])
    assert Decimal(received) <= Decimal(ordered) <= Decimal(disbursed)
    return ledger


def test_a_fraud_recovery_in_staged_acceptance_demands_everything_blocks_payments_and_is_received_in_two_parts(
        flow: Flow) -> None:
    pid, a, b = in_staged_acceptance_with_advances(flow)
    waiting = paid(flow, b, "100000.00", "-", CONTRACTOR_B, until="verified")
    balances(flow, pid, "2450000.00", "0.00", "0.00")

    smaller = order(flow, pid, basis="fraud", amount="2000000.00", reason="虚报建设内容")
    assert smaller.status_code == 409 and unmet_codes(smaller) == ["fraud_recovers_all"]
    refusal = smaller.get_json()["unmet"][0]
    assert "五(一)3" in refusal["clause"] and "2,450,000.00" in refusal["message"]
    assert "2,450,000.00 元（245万元）" in refusal["message_zh"]
    assert "seed" not in refusal["clause"].lower() and "SPEC" not in refusal["clause"]
    assert flow.ok(flow.get(f"/projects/{pid}/recoveries")) == []

    fraud = flow.ok(order(flow, pid, basis="fraud", amount="2450000.00", reason="虚报建设内容，骗取补助资金"), 201)
    assert fraud["state"] == "ordered" and fraud["basis"] == "fraud"
    assert (fraud["amount"], fraud["received"], fraud["outstanding"]) == ("2450000.00", "0.00", "2450000.00")
    assert fraud["project_state"] == "staged_acceptance" and fraud["after_closure"] is False
    assert flow.project(pid)["state"] == "staged_acceptance"  # the project goes on; its money stops
    balances(flow, pid, "2450000.00", "2450000.00", "0.00")

    approve = flow.post(f"/payments/{waiting['id']}/events", {"event": "approve"}, FINANCE)
    assert approve.status_code == 409 and "fraud_recovery_open" in unmet_codes(approve)
    request = flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1.00"}, CONTRACTOR_A)
    assert request.status_code == 409 and "fraud_recovery_open" in unmet_codes(request)

    too_much = receipt(flow, fraud, "2450000.01", "XP-SH-0001")
    assert too_much.status_code == 409 and unmet_codes(too_much) == ["receipt_above_outstanding"]
    first = flow.ok(receipt(flow, fraud, "1000000.00", "XP-SH-0001"))
    assert (first["state"], first["received"], first["outstanding"]) == ("part_received", "1000000.00",
                                                                          "1450000.00")
    ledger = balances(flow, pid, "2450000.00", "2450000.00", "1000000.00")
    shares = {c["contract_id"]: c["recovered"] for c in ledger["contracts"]}
    assert shares == {a["id"]: "795918.37", b["id"]: "204081.63"}  # by what each was paid, to the fen
    still = flow.post(f"/payments/{waiting['id']}/events", {"event": "approve"}, FINANCE)
    assert "fraud_recovery_open" in unmet_codes(still)

    second = flow.ok(receipt(flow, fraud, "1450000.00", "XP-SH-0002"))
    assert (second["state"], second["outstanding"]) == ("settled", "0.00")
    assert [r["amount"] for r in second["receipts"]] == ["1000000.00", "1450000.00"]
    assert second["allowed_events"] == []
    ledger = balances(flow, pid, "2450000.00", "2450000.00", "2450000.00")
    assert all(c["disbursed"] == c["recovered"] for c in ledger["contracts"])
    assert receipt(flow, fraud, "0.01", "XP-SH-0003").status_code == 409  # settled: nothing more to receive

    actions = [(e["action"], e["from_state"], e["to_state"]) for e in flow.audit_actions(pid)
               if e["action"].startswith("recovery.")]
    assert actions == [("recovery.order", None, "ordered"),
                       ("recovery.record_receipt", "ordered", "part_received"),
                       ("recovery.record_receipt", "part_received", "settled")]
    assert flow.ok(flow.get("/audit/verify", INSPECTOR))["ok"] is True


def test_fraud_on_one_contract_recovers_what_that_contract_was_paid_and_no_amount_means_all_of_it(
        flow: Flow) -> None:
    pid, a, b = in_staged_acceptance_with_advances(flow)
    fraud = flow.ok(order(flow, pid, FINANCE, basis="fraud", contract_id=b["id"], reason="伪造验收材料"), 201)
    assert (fraud["amount"], fraud["contract_id"]) == (ADVANCE_B, b["id"])
    flow.ok(receipt(flow, fraud, ADVANCE_B, "XP-SH-0101"))
    ledger = balances(flow, pid, "2450000.00", ADVANCE_B, ADVANCE_B)
    assert {c["contract_id"]: c["recovered"] for c in ledger["contracts"]} == {a["id"]: "0.00", b["id"]: ADVANCE_B}
    more = order(flow, pid, basis="default", amount="1950000.01", reason="承办企业违约")
    assert more.status_code == 409 and unmet_codes(more) == ["recovery_above_disbursed"]


def test_only_the_supervisor_and_finance_order_an_inspector_proposes_and_a_contractor_may_not(flow: Flow) -> None:
    pid, a, _ = in_staged_acceptance_with_advances(flow)
    body = {"basis": "audit_finding", "amount": "50000.00", "reason": "审计发现虚列支出"}
    for who in (CONTRACTOR_A, COMMERCE, LEADER):
        refused = order(flow, pid, who, **body)
        assert refused.status_code == 403 and unmet_codes(refused) == ["role_not_allowed"]
    proposal = flow.ok(order(flow, pid, INSPECTOR, **body), 201)
    assert proposal["state"] == "proposed" and proposal["outstanding"] == "0.00"
    balances(flow, pid, "2450000.00", "0.00", "0.00")  # a proposal owes nothing yet
    assert flow.post(f"/recoveries/{proposal['id']}/events", {"event": "confirm_order"}, INSPECTOR).status_code == 403
    assert receipt(flow, proposal, "1.00", "X").status_code == 409  # not ordered yet
    explained = flow.ok(flow.get(f"/recoveries/{proposal['id']}/events/confirm_order", SUPERVISOR))
    assert explained["allowed"] is True and "不可撤销" in explained["confirm"]["zh"]
    early = flow.ok(flow.get(f"/recoveries/{proposal['id']}/events/record_receipt", FINANCE))
    assert early["allowed"] is False and [u["code"] for u in early["unmet"]] == ["wrong_state"]
    confirmed = flow.ok(flow.post(f"/recoveries/{proposal['id']}/events", {"event": "confirm_order"}, SUPERVISOR))
    assert confirmed["state"] == "ordered" and confirmed["outstanding"] == "50000.00"
    assert receipt(flow, confirmed, "1.00", "X", as_=SUPERVISOR).status_code == 403

    other = flow.ok(order(flow, pid, INSPECTOR, basis="fraud", reason="举报：虚报培训人次"), 201)
    held = flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1.00"}, CONTRACTOR_A)
    assert "fraud_recovery_open" in unmet_codes(held)  # a fraud proposal stops the money until decided
    no_note = flow.post(f"/recoveries/{other['id']}/events", {"event": "dismiss"}, FINANCE)
    assert no_note.status_code == 422
    dismissed = flow.ok(flow.post(f"/recoveries/{other['id']}/events", {"event": "dismiss", "note": "查无实据"},
                                  FINANCE))
    assert dismissed["state"] == "dismissed"
    assert flow.get(f"/recoveries/{confirmed['id']}", CONTRACTOR_A).status_code == 404  # not on its contract
    balances(flow, pid, "2450000.00", "50000.00", "0.00")


def test_nothing_is_recovered_before_the_first_disbursement_nor_an_amount_of_nothing(flow: Flow) -> None:
    project, _, _ = flow.selected_project()
    early = order(flow, project["id"], basis="failed_review", amount="1.00", reason="市级审核未通过")
    assert early.status_code == 409 and "not_yet_disbursed" in unmet_codes(early)
    pid, _, _ = in_staged_acceptance_with_advances(flow)
    zero = order(flow, pid, basis="failed_review", amount="0.00", reason="市级审核未通过")
    assert zero.status_code == 409 and unmet_codes(zero) == ["recovery_amount_not_positive"]
    missing = order(flow, pid, basis="failed_review", reason="市级审核未通过")
    assert missing.status_code == 422 and "amount" in missing.get_json()["errors"]
    wrong = order(flow, pid, basis="bribery", amount="1.00", reason="?")
    assert wrong.status_code == 422 and "basis" in wrong.get_json()["errors"]


def to_final_audit(flow: Flow, project: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> None:
    """Both contracts through their stage and final acceptances, the final audit requested."""
    for kind in ("stage", "final"):
        published = []
        for contract, contractor in ((a, CONTRACTOR_A), (b, CONTRACTOR_B)):
            named = {"line_ids": contract["line_ids"][:1]} if kind == "stage" else {}
            acceptance = flow.ok(flow.apply(contract, contractor, kind, **named), 201)
            flow.act_ok(acceptance, "start_review")
            flow.act_ok(acceptance, "pass", verdicts=flow.verdicts(project, contract, "1.00", acceptance=acceptance))
            published.append(flow.publish(acceptance))
        flow.after_notice(published[-1])
        for notice in published:
            flow.act_ok(notice, "close_notice")
            flow.act_ok(notice, "approve", LEADER)
    assert flow.fire_ok(project["id"], "request_final_audit")["state"] == "final_audit"


def test_a_failed_evaluation_orders_a_recovery_and_the_project_closes_only_when_it_is_received(
        flow: Flow) -> None:
    project, a, b = flow.selected_project()
    pid = project["id"]
    paid(flow, a, ADVANCE_A, "XP-PZ-0201")
    to_final_audit(flow, project, a, b)
    targets = [{"name": t["name"], "actual": "0"} for t in project["targets"]]
    over = flow.fire(pid, "fail_audit", SUPERVISOR, evaluator=EVALUATOR, targets=targets, amount="1950000.01")
    assert over.status_code == 409 and unmet_codes(over) == ["recovery_above_disbursed"]
    failed = flow.fire_ok(pid, "fail_audit", SUPERVISOR, evaluator=EVALUATOR, targets=targets, amount="1000000.00")
    assert failed["state"] == "clawback" and failed["outstanding"] == "1000000.00"
    assert "settle_clawback" not in flow.project(pid, FINANCE)["allowed_events"]
    [recovery] = failed["recoveries"]
    assert (recovery["basis"], recovery["state"], recovery["amount"]) == ("failed_evaluation", "ordered",
                                                                         "1000000.00")
    early = flow.fire(pid, "settle_clawback", FINANCE)
    assert early.status_code == 409 and unmet_codes(early) == ["recovery_outstanding"]
    flow.ok(receipt(flow, recovery, "400000.00", "XP-SH-0201"))
    assert unmet_codes(flow.fire(pid, "settle_clawback", FINANCE)) == ["recovery_outstanding"]
    flow.ok(receipt(flow, recovery, "600000.00", "XP-SH-0202"))
    balances(flow, pid, ADVANCE_A, "1000000.00", "1000000.00")
    closed = flow.fire_ok(pid, "settle_clawback", FINANCE)
    assert closed["state"] == "closed"
    actions = [e["action"] for e in flow.audit_actions(pid)]
    assert actions[actions.index("project.fail_audit") - 1] == "recovery.order"  # in the same transaction

    # An audit finding after closure: tracked and disclosed, reopening nothing.
    late = flow.ok(order(flow, pid, FINANCE, basis="audit_finding", amount="200000.00", reason="审计发现虚列支出"),
                   201)
    assert late["after_closure"] is True and late["project_state"] == "closed"
    assert flow.project(pid)["state"] == "closed"
    balances(flow, pid, ADVANCE_A, "1200000.00", "1000000.00")
    public = flow.ok(flow.client.get(f"/api/v1/public/projects/{pid}"))
    disclosed = {r["basis"]: r for r in public["recoveries"]}
    assert disclosed["audit_finding"]["after_closure"] is True
    assert disclosed["audit_finding"]["outstanding"] == "200000.00"
    assert disclosed["failed_evaluation"]["received"] == "1000000.00"
    shown = flow.client.get(f"/public/projects/{pid}").get_data(as_text=True)
    table = shown[shown.index('data-testid="public-recoveries"'):]
    assert "结项后追缴" in table and "200,000.00" in table and "未通过绩效评价" in table
    flow.ok(receipt(flow, late, "200000.00", "XP-SH-0203"))
    balances(flow, pid, ADVANCE_A, "1200000.00", "1200000.00")


def test_the_migration_turns_a_clawback_into_a_failed_evaluation_recovery_still_owed_when_part_came_back(
        flow: Flow, database_url: str) -> None:
    pid, a, _ = in_staged_acceptance_with_advances(flow)
    flow.db.dispose()
    command.downgrade(alembic_config(database_url), "0011")  # as before issue 17: a clawback settled in part
    with flow.db.engine.begin() as conn:
        conn.execute(text("INSERT INTO clawbacks (project_id, amount, reason, recovered_amount, recovered_on) "
                          "VALUES (:p, 100000000, '绩效评价未通过', 40000000, '2024-09-20')"), {"p": pid})
        conn.execute(text("INSERT INTO recoveries (project_id, contract_id, amount, recovered_on) "
                          "VALUES (:p, :c, 40000000, '2024-09-20')"), {"p": pid, "c": a["id"]})
    flow.db.dispose()
    upgrade(database_url)

    [migrated] = flow.ok(flow.get(f"/projects/{pid}/recoveries"))
    assert (migrated["basis"], migrated["state"], migrated["amount"], migrated["received"],
            migrated["outstanding"]) == ("failed_evaluation", "part_received", "1000000.00", "400000.00", "600000.00")
    assert [(r["amount"], r["received_on"]) for r in migrated["receipts"]] == [("400000.00", "2024-09-20")]
    balances(flow, pid, "2450000.00", "1000000.00", "400000.00")  # what was owed is now tracked

    flow.db.dispose()
    command.downgrade(alembic_config(database_url), "0011")
    with flow.db.engine.begin() as conn:
        rows = conn.execute(text("SELECT amount, recovered_amount FROM clawbacks WHERE project_id = :p"),
                            {"p": pid}).all()
    assert [tuple(r) for r in rows] == [(100000000, 40000000)]
    flow.db.dispose()
    upgrade(database_url)


def recovery_form(page: str) -> str:
    """The order form of the project page, from its opening tag to its end."""
    match = re.search(r'<form[^>]*data-testid="recovery-form".*?</form>', page, re.S)
    assert match, page[:2000]
    return match.group(0)


def test_the_project_page_orders_a_recovery_after_a_confirmation_and_finance_records_the_receipts(
        app: Any, flow: Flow) -> None:
    from tests.e2e.test_plans_ui import text_of
    from tests.e2e.test_projects_ui import logged_in

    pid, _, _ = in_staged_acceptance_with_advances(flow)
    supervisor, token = logged_in(app, SUPERVISOR)
    form = recovery_form(text_of(supervisor.get(f"/projects/{pid}")))
    assert "data-confirm=" in form and "不可撤销" in form  # an order cannot be undone: the page asks first
    smaller = supervisor.post(f"/projects/{pid}/recoveries", data={
        "csrf_token": token, "basis": "fraud", "amount": "1,000.00", "reason": "虚报建设内容"})
    assert smaller.status_code == 409 and "如数追缴回全部资金" in text_of(smaller)
    assert "1,000.00" in text_of(smaller)  # what was typed stays
    made = supervisor.post(f"/projects/{pid}/recoveries", data={
        "csrf_token": token, "basis": "fraud", "amount": "", "reason": "虚报建设内容"})
    assert made.status_code == 302, text_of(made)[:2000]
    [fraud] = flow.ok(flow.get(f"/projects/{pid}/recoveries"))
    assert fraud["amount"] == "2450000.00"

    finance, ftoken = logged_in(app, FINANCE)
    page = text_of(finance.get(f"/projects/{pid}"))
    block = page[page.index('data-testid="recoveries"'):]
    assert f'action="/recoveries/{fraud["id"]}/events"' in block and 'data-event="record_receipt"' in block
    received = finance.post(f"/recoveries/{fraud['id']}/events", data={
        "csrf_token": ftoken, "event": "record_receipt", "amount": "１，０００，０００．００", "received_on": TODAY,
        "voucher_no": "XP-SH-0301"})
    assert received.status_code == 302, text_of(received)[:2000]
    over = finance.post(f"/recoveries/{fraud['id']}/events", data={
        "csrf_token": ftoken, "event": "record_receipt", "amount": "1450000.01", "received_on": TODAY,
        "voucher_no": "XP-SH-0302"})
    assert over.status_code == 409 and "尚未收回" in text_of(over)
    balances(flow, pid, "2450000.00", "2450000.00", "1000000.00")
    shown = text_of(finance.get(f"/projects/{pid}"))
    figures = shown[shown.index('data-testid="recovery-figures"'):]
    assert "2,450,000.00" in figures and "1,450,000.00" in figures
    desk = text_of(finance.get("/desk/finance"))
    start = desk.index('data-testid="owed-recoveries"')
    owed = desk[start:desk.index("</table>", start)]
    assert f"/projects/{pid}#recoveries" in owed and "1,450,000.00" in owed  # finance's desk: what is to come back
    english = text_of(finance.get(f"/projects/{pid}?lang=en"))
    block = english[english.index('data-testid="recoveries"'):english.index("</section>",
                                                                          english.index('data-testid="recoveries"'))]
    assert "Recoveries" in block and "Fraud" in block and "Partly received" in block and "Outstanding" in block

    inspector, _ = logged_in(app, INSPECTOR)
    form = recovery_form(text_of(inspector.get(f"/projects/{pid}")))
    assert "提出收回建议" in form and "data-confirm=" not in form  # a proposal is decided by others
