"""Evidence at every decision (issue 18 items 4 and 9): a payment request carries documents of its project,
the disbursement records its voucher, bank reference and date, the approval sheet (审批单) prints the whole
decision, finance sees its approve step waiting for commerce, and finance's home sums the money exactly.

Seed 003's project through the API (``tests.flow``), the pages through a logged-in test client.
"""

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from disburse.services import desk, users
from tests.e2e.test_documents import PDF, upload
from tests.e2e.test_payment_records import REVIEWER, approved_stage, selected, stage_payment
from tests.e2e.test_sessions_and_caches import login_page
from tests.flow import CODE_A, COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, INSPECTOR, Flow, unmet_codes
from tests.integration.test_pdf import assert_pdf, pdf_text

CASHIER = "xp-finance-2"


def step(flow: Flow, payment: dict[str, Any], event_name: str, as_: str, **data: Any) -> Any:
    return flow.post(f"/payments/{payment['id']}/events", {"event": event_name, **data}, as_)


def evidence(flow: Flow, project: dict[str, Any], contract: dict[str, Any]) -> list[dict[str, Any]]:
    """The contractor's invoice and acceptance report on its contract."""
    return [flow.ok(upload(flow, CONTRACTOR_A, project["id"], content=PDF + bytes([n]), filename=name,
                           contract_id=contract["id"], kind=kind), 201)
            for n, (name, kind) in enumerate((("发票-预付款.pdf", "invoice"), ("验收报告.pdf", "acceptance_report")))]


def requested(flow: Flow, contract: dict[str, Any], documents: list[dict[str, Any]],
              amount: str = "1950000.00") -> dict[str, Any]:
    return flow.ok(flow.post(f"/contracts/{contract['id']}/payments",
                             {"kind": "advance", "amount": amount, "document_ids": [d["id"] for d in documents]},
                             CONTRACTOR_A), 201)


def approved(flow: Flow, payment: dict[str, Any]) -> dict[str, Any]:
    flow.ok(step(flow, payment, "verify", COMMERCE))
    return flow.ok(step(flow, payment, "approve", FINANCE))


def test_a_request_carries_its_documents_and_the_audit_entry_names_them_by_hash(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    docs = evidence(flow, project, a)
    payment = requested(flow, a, docs)
    assert payment["document_ids"] == sorted(d["id"] for d in docs)
    assert flow.ok(flow.get(f"/payments/{payment['id']}", FINANCE))["document_ids"] == payment["document_ids"]
    entry = next(e for e in flow.audit_actions(project["id"]) if e["action"] == "payment.request")
    assert entry["data"]["documents"] == [{"id": d["id"], "sha256": d["sha256"]} for d in docs]


def test_a_request_naming_a_document_it_may_not_carry_is_a_422_and_nothing_is_requested(flow: Flow) -> None:
    project, a, b = flow.selected_project()
    theirs = flow.ok(upload(flow, CONTRACTOR_B, project["id"], contract_id=b["id"], kind="invoice"), 201)
    for ids in ([theirs["id"]], [999999], ["1"], [0], "1,2"):
        resp = flow.post(f"/contracts/{a['id']}/payments",
                         {"kind": "advance", "amount": "100000.00", "document_ids": ids}, CONTRACTOR_A)
        assert resp.status_code == 422, (ids, resp.get_json())
        assert resp.mimetype == "application/problem+json"
        assert [name.split(".")[0] for name in resp.get_json()["errors"]] == ["document_ids"], ids
    assert flow.ok(flow.get(f"/contracts/{a['id']}/payments", COMMERCE))["items"] == []


def test_disbursing_takes_the_voucher_the_bank_reference_and_the_day_money_left(flow: Flow) -> None:
    flow.user(CASHIER, "finance")
    project, a, _ = flow.selected_project()
    payment = approved(flow, requested(flow, a, evidence(flow, project, a)))
    voucher = {"voucher_no": "XP-ZF-2024-0101", "bank_reference": "NX20240927000123"}
    tomorrow = step(flow, payment, "disburse", CASHIER, **voucher, paid_on="2024-09-28")
    assert tomorrow.status_code == 409 and unmet_codes(tomorrow) == ["disbursed_on_in_future"]
    before = step(flow, payment, "disburse", CASHIER, **voucher, paid_on="2024-09-26")
    assert before.status_code == 409 and unmet_codes(before) == ["disbursed_before_approval"]
    for bad, field in (({"paid_on": "2024/09/27"}, "paid_on"), ({"paid_on": 20240927}, "paid_on"),
                       ({"paid_on": "2024-09-27", "disbursed_on": "2024-09-26"}, "paid_on"),
                       ({"paid_on": "2024-09-27", "bank_reference": "   "}, "bank_reference"),
                       ({"paid_on": "2024-09-27", "bank_reference": "N" * 65}, "bank_reference")):
        resp = step(flow, payment, "disburse", CASHIER, **{**voucher, **bad})
        assert resp.status_code == 422 and field in resp.get_json()["errors"], (bad, resp.get_json())
    paid = flow.ok(step(flow, payment, "disburse", CASHIER, **voucher, paid_on="2024-09-27"))
    assert (paid["state"], paid["voucher_no"], paid["bank_reference"], paid["paid_on"], paid["disbursed_on"]) == (
        "disbursed", "XP-ZF-2024-0101", "NX20240927000123", "2024-09-27", "2024-09-27")
    entry = next(e for e in flow.audit_actions(project["id"]) if e["action"] == "payment.disburse")
    assert entry["data"]["bank_reference"] == "NX20240927000123" and entry["data"]["disbursed_on"] == "2024-09-27"


def test_finance_sees_approve_waiting_for_commerce_and_then_the_evidence(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    docs = evidence(flow, project, a)
    payment = requested(flow, a, docs)
    login_page(flow, FINANCE)
    page = flow.client.get(f"/payments/{payment['id']}").get_data(as_text=True)
    blocked = page[page.index('data-testid="blocked-approve"'):]
    assert "等待商务部门审核：审核后方可批准" in blocked[:600]
    assert 'data-testid="event-reject"' in page and 'class="secondary"' in page
    for d in docs:
        assert f'href="/api/v1/documents/{d["id"]}"' in page and d["filename"] in page
    ledger = page[page.index('data-testid="contract-ledger"'):]
    assert re.search(r'data-field="in_flight">1,950,000.00 元<small>195万元', ledger)
    assert re.search(r'data-field="remaining">4,550,000.00 元<small>455万元', ledger)
    flow.ok(step(flow, payment, "verify", COMMERCE))
    page = flow.client.get(f"/payments/{payment['id']}").get_data(as_text=True)
    assert 'data-testid="event-approve"' in page and 'data-testid="blocked-approve"' not in page
    assert "批准向" in page and "1,950,000.00 元（195万元）" in page  # the question the approve step asks


def test_the_approval_sheet_prints_the_whole_decision_at_any_step(flow: Flow) -> None:
    flow.user(CASHIER, "finance")
    project, a, _ = flow.selected_project()
    docs = evidence(flow, project, a)
    payment = requested(flow, a, docs)
    early = pdf_text(assert_pdf(flow.get(f"/payments/{payment['id']}/approval-sheet.pdf", FINANCE)))
    assert "资金拨付审批单" in early and "1,950,000.00" in early and "壹佰玖拾伍万元整" in early
    assert "（待办理）" in early and all(d["filename"] in early for d in docs)
    flow.ok(step(flow, approved(flow, payment), "disburse", CASHIER, voucher_no="XP-ZF-2024-0102",
                 bank_reference="NX20240927000456", paid_on="2024-09-27"))
    text = pdf_text(assert_pdf(flow.get(f"/payments/{payment['id']}/approval-sheet.pdf", INSPECTOR)))
    assert project["name"] in text and "标段一" in text and "195万元" in text
    assert "XP-ZF-2024-0102" in text and "NX20240927000456" in text and "2024年9月27日" in text
    for who in (CONTRACTOR_A, COMMERCE, FINANCE, CASHIER):
        assert who in text
    assert "（待办理）" not in text
    flow.user("fz-finance", "finance", region="350100")  # another jurisdiction
    assert flow.get(f"/payments/{payment['id']}/approval-sheet.pdf", "fz-finance").status_code == 404
    login_page(flow, FINANCE)
    page = flow.client.get(f"/payments/{payment['id']}").get_data(as_text=True)
    assert f'href="/payments/{payment["id"]}/approval-sheet.pdf"' in page
    assert f'href="/api/v1/payments/{payment["id"]}/voucher.pdf"' in page
    assert_pdf(flow.client.get(f"/payments/{payment['id']}/approval-sheet.pdf"))


def field(html: str, scope: str, name: str) -> str:
    """The text of ``data-field=name`` inside the element ``data-testid=scope``, tags dropped."""
    part = html[html.index(f'data-testid="{scope}"'):]
    found = re.search(rf'data-field="{name}">(.*?)</(?:dd|td)>', part, re.S)
    assert found, (scope, name)
    return re.sub(r"<[^>]+>", " ", found.group(1)).split()[0] + " 元"


def test_finance_home_sums_budget_contracts_arrivals_disbursements_and_recoveries_exactly(flow: Flow) -> None:
    flow.user(CASHIER, "finance")
    project, a, b = flow.selected_project()
    paid = approved(flow, requested(flow, a, []))
    flow.ok(step(flow, paid, "disburse", CASHIER, voucher_no="XP-ZF-2024-0103", paid_on="2024-09-27"))
    flow.ok(flow.post(f"/contracts/{b['id']}/payments", {"kind": "advance", "amount": "50000.00"}, CONTRACTOR_B),
            201)  # in flight: not disbursed
    flow.ok(flow.post(f"/projects/{project['id']}/recoveries",
                      {"basis": "audit_finding", "amount": "300000.00", "reason": "审计发现超范围支出",
                       "contract_id": a["id"]}, FINANCE), 201)
    login_page(flow, FINANCE)
    html = flow.client.get("/desk/finance").get_data(as_text=True)
    expected = {"budget": "10,000,000.00", "contracted": "10,000,000.00", "arrived": "10,000,000.00",
                "disbursed": "1,950,000.00", "outstanding": "300,000.00"}
    for name, amount in expected.items():
        assert field(html, "finance-totals", name) == f"{amount} 元", name
        assert field(html, "totals-by-project", name) == f"{amount} 元", name
    source = html[html.index('data-testid="totals-by-source"'):]
    assert "2024年中央财政服务业发展资金（农村电商方向）" in source
    assert field(html, "totals-by-source", "budget") == "10,000,000.00 元"
    chart = html[html.index('data-testid="month-chart"'):html.index("</svg>")]
    assert chart.count("<g data-month=") == 12 and 'data-month="2024-09" data-amount="1950000.00"' in chart
    assert 'data-month="2024-08" data-amount="0.00"' in chart and 'data-month="2023-10"' in chart
    assert "<script" not in chart


def test_finance_home_reads_a_fixed_number_of_statements_however_many_projects(flow: Flow) -> None:
    db = flow.app.extensions["disburse.db"]
    actor = users.actor_by_username(db, FINANCE)
    assert actor is not None
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    def statements() -> int:
        counted.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            desk.finance_overview(db, actor, today=flow.clock.now().date())
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(counted)

    flow.selected_project()
    one = statements()
    flow.selected_project()
    flow.tendered_project()
    assert statements() == one <= 11  # the jurisdiction's region codes, then ten sums



def test_the_contract_form_takes_the_payment_shares_in_percent_as_officials_write_them(flow: Flow) -> None:
    project = flow.tendered_project()
    login_page(flow, COMMERCE)
    page = flow.client.get(f"/projects/{project['id']}").get_data(as_text=True)
    assert 'name="schedule.advance" value="30"' in page and "0.30" not in page
    form = {"lot": "标段一", "amount": "6500000.00", "signed_on": "2024-09-20",
            "contractor.name": "XX县电商物流服务有限公司", "contractor.credit_code": CODE_A,
            "contractor.region": "350921", "contractor.declarations.independent_legal_person": "on",
            "contractor.declarations.sound_accounting": "on", "contractor.declarations.no_violation_3y": "on",
            "line_ids": [str(project["lines"][0]["id"]), str(project["lines"][1]["id"])],
            "schedule.advance": "３０", "schedule.final": "30 %",
            "schedule.stages.0.name": "阶段一", "schedule.stages.0.share": "40%"}
    assert flow.client.post(f"/projects/{project['id']}/contracts", data=form).status_code == 302
    contract = flow.ok(flow.get(f"/projects/{project['id']}/contracts"))["items"][0]
    assert contract["schedule"]["advance"] in ("0.3", "0.30") and contract["schedule"]["stages"][0]["share"] in (
        "0.4", "0.40")
    shown = flow.client.get(f"/contracts/{contract['id']}").get_data(as_text=True)
    assert "30%" in shown and "40%" in shown


def test_a_stage_payment_shows_the_verdicts_it_relies_on_on_its_page_and_its_sheet(flow: Flow) -> None:
    flow.user(REVIEWER, "commerce")
    project, a = selected(flow)
    acceptance = approved_stage(flow, project, a)
    payment = stage_payment(flow, a, acceptance)
    login_page(flow, FINANCE)
    page = flow.client.get(f"/payments/{payment['id']}").get_data(as_text=True)
    verdicts = page[page.index('data-testid="verdicts"'):page.index("</table>", page.index('data-testid="verdicts"'))]
    for line in acceptance["verdicts"]:
        amount = f"{Decimal(line['accepted_amount']):,.2f} 元"
        assert amount in verdicts, amount
    accepted = sum(Decimal(v["accepted_amount"]) for v in acceptance["verdicts"] if v["result"] == "pass")
    assert f'data-testid="accepted-total">{accepted:,.2f} 元' in verdicts
    assert re.search(rf'data-field="accepted">{accepted:,.2f} 元', page)  # the contract's accepted so far
    text = pdf_text(assert_pdf(flow.get(f"/payments/{payment['id']}/approval-sheet.pdf", FINANCE)))
    assert "第1阶段验收" in text and f"{accepted:,.2f}" in text and "合格" in text
