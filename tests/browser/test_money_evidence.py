"""Evidence at every decision, in a browser (issue 18 items 4, 5, 9), in Chinese and in English: the contractor
requests a payment with its invoice and acceptance report; finance sees 批准 greyed out with its reason until
commerce verifies; then approves with the documents before it, confirming the question; a second finance
user disburses with the voucher, the bank's reference and the date; the approval sheet (审批单) prints it all."""

from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, HAN, Live, chrome_text
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, Flow
from tests.integration.test_pdf import pdf_text

FINANCE_2 = "xp-finance-2"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SAY = {
    "zh": {"waiting": "等待商务部门审核：审核后方可批准", "approved": "当前状态：已批准",
           "disbursed": "当前状态：已拨付", "approve_asks": "批准向", "disburse_asks": "登记已向",
           "amount": "1,950,000.00 元（195万元）"},
    "en": {"waiting": "Waiting for the commerce bureau to verify the request", "approved": "Now: Approved",
           "disbursed": "Now: Disbursed", "approve_asks": "Approve paying",
           "disburse_asks": "Record that", "amount": "1,950,000.00 yuan (1.95 million yuan)"},
}


def upload(flow: Flow, project: dict[str, Any], contract: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
    data = {"project_id": str(project["id"]), "contract_id": str(contract["id"]), "kind": kind,
            "file": (__import__("io").BytesIO(PDF + name.encode()), name)}
    return flow.ok(flow.client.post("/api/v1/documents", data=data, headers=flow.h(CONTRACTOR_A),
                                    content_type="multipart/form-data"), 201)


def in_language(live: Live, username: str, lang: str) -> Any:
    page = live.login(username)
    page.goto(f"/?lang={lang}")
    return page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_payment_goes_from_request_to_disbursement_with_its_evidence_before_every_decision(
        live: Live, flow: Flow, lang: str) -> None:
    say = SAY[lang]
    flow.user(FINANCE_2, "finance")
    project, a, _ = flow.selected_project()
    invoice = upload(flow, project, a, "发票-预付款.pdf", "invoice")
    report = upload(flow, project, a, "项目实施报告.pdf", "acceptance_report")

    # the contractor asks, ticking its documents; the amount field hints what is left, no made-up figure
    contractor = in_language(live, CONTRACTOR_A, lang)
    contractor.goto(f"/contracts/{a['id']}")
    form = contractor.locator("[data-testid=request-payment]")
    assert form.locator("input[name=amount]").get_attribute("placeholder") is None
    assert "6,500,000.00" in form.locator("#remaining-hint").inner_text()
    form.locator("select[name=kind]").select_option("advance")
    form.locator("input[name=amount]").fill("1,950,000.00")
    for document in (invoice, report):
        form.locator(f"input[name=document_ids][value='{document['id']}']").check()
    form.locator("[data-testid=submit-payment]").click()
    contractor.wait_for_load_state("networkidle")
    payment_id = int(contractor.url.rsplit("/", 1)[1])
    assert contractor.locator("[data-testid=payment-documents] tr[data-document]").count() == 2

    # finance before commerce verified: 批准 is there, greyed out, saying what it waits for
    finance = in_language(live, FINANCE, lang)
    finance.goto(f"/payments/{payment_id}")
    blocked = finance.locator("[data-testid=blocked-approve]")
    assert blocked.locator("button").is_disabled()
    assert say["waiting"] in blocked.inner_text()
    assert finance.locator("[data-testid=event-reject]").get_attribute("class") == "secondary"
    live.shot(finance, f"money-payment-waiting-{lang}")

    flow.ok(flow.post(f"/payments/{payment_id}/events", {"event": "verify"}, COMMERCE))
    finance.goto(f"/payments/{payment_id}")
    documents = finance.locator("[data-testid=payment-documents]")
    assert "发票-预付款.pdf" in documents.inner_text() and "项目实施报告.pdf" in documents.inner_text()
    assert documents.locator(f"a[href='/api/v1/documents/{invoice['id']}']").count() == 1
    ledger = finance.locator("[data-testid=contract-ledger]")
    assert ledger.locator("[data-field=in_flight]").inner_text().startswith("1,950,000.00")
    assert ledger.locator("[data-field=remaining]").inner_text().startswith("4,550,000.00")
    live.shot(finance, f"money-payment-verified-{lang}")
    asked = len(live.dialogs)
    finance.locator("[data-testid=event-approve]").click()
    finance.wait_for_load_state("networkidle")
    assert say["approve_asks"] in live.dialogs[asked] and say["amount"] in live.dialogs[asked]
    assert say["approved"] in finance.locator(".flash").inner_text()

    # a second finance user disburses with the voucher, the bank's reference and the date
    cashier = in_language(live, FINANCE_2, lang)
    cashier.goto(f"/payments/{payment_id}")
    form = cashier.locator("form[data-event=disburse]")
    form.locator("[data-testid=voucher_no]").fill("XP-ZF-2024-0201")
    form.locator("[data-testid=bank_reference]").fill("NX20240927000789")
    form.locator("[data-testid=disbursed_on]").fill("2024-09-27")
    asked = len(live.dialogs)
    form.locator("[data-testid=event-disburse]").click()
    cashier.wait_for_load_state("networkidle")
    assert say["disburse_asks"] in live.dialogs[asked]
    assert say["disbursed"] in cashier.locator(".flash").inner_text()
    assert cashier.locator("[data-testid=bank-reference]").inner_text() == "NX20240927000789"
    assert cashier.locator("[data-testid=voucher]").inner_text() == "XP-ZF-2024-0201"
    if lang == "en":
        assert not HAN.findall(chrome_text(cashier)), chrome_text(cashier)
    live.shot(cashier, f"money-payment-disbursed-{lang}")

    # the approval sheet from the finance screen
    sheet = cashier.locator("[data-testid=approval-sheet]")
    answer = cashier.request.get(sheet.get_attribute("href"))
    assert answer.ok and answer.body().startswith(b"%PDF-")
    text = pdf_text(answer.body())
    (ARTIFACTS / f"approval-sheet-{lang}.pdf").write_bytes(answer.body())
    for what in ("资金拨付审批单", "1,950,000.00", "壹佰玖拾伍万元整", "XP-ZF-2024-0201", "NX20240927000789",
                 "发票-预付款.pdf", FINANCE, FINANCE_2, COMMERCE):
        assert what in text, what

    # finance's home: the totals and the month's bar
    cashier.goto("/desk/finance")
    totals = cashier.locator("[data-testid=finance-totals]")
    assert totals.locator("[data-field=disbursed]").inner_text().startswith("1,950,000.00")
    assert totals.locator("[data-field=budget]").inner_text().startswith("10,000,000.00")
    assert cashier.locator("[data-testid=month-chart] g[data-month='2024-09'] rect").count() == 1
    if lang == "en":
        assert not HAN.findall(chrome_text(cashier)), chrome_text(cashier)
    live.shot(cashier, f"home-finance-{lang}")
