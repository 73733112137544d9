"""The contractor's desk in a browser (issue 7): its contracts, applications and requests; uploads; no
button for another role's step, and the reasons when its own request is not possible."""

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import CONTRACTOR_A, Flow

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_the_contractor_sees_its_own_work_uploads_materials_and_gets_no_finance_button(live: Live,
                                                                                        flow: Flow) -> None:
    _, a, b = flow.selected_project()
    payment = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1950000.00"},
                                CONTRACTOR_A), 201)
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)

    page = live.login(CONTRACTOR_A)
    assert page.url.endswith("/desk/contractor")
    contracts = page.locator("[data-testid=my-contracts]")
    assert contracts.locator(f"tr[data-contract='{a['id']}']").count() == 1
    assert contracts.locator(f"tr[data-contract='{b['id']}']").count() == 0  # contractor B's
    assert "6,500,000.00 元" in contracts.inner_text() and "650万元" in contracts.inner_text()
    assert page.locator(f"tr[data-payment='{payment['id']}'] .state").inner_text() == "已申请"
    assert page.locator(f"tr[data-acceptance='{acceptance['id']}'] .state").inner_text() == "已申请"

    form = page.locator("[data-testid=upload-form]")
    form.locator("select[name=kind]").select_option("application")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "第一阶段验收申请.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    form.locator("[data-testid=upload]").click()
    page.wait_for_load_state("networkidle")
    assert "已上传：第一阶段验收申请.pdf" in page.locator(".flash").inner_text()
    assert "第一阶段验收申请.pdf" in page.locator("[data-testid=my-documents]").inner_text()
    live.shot(page, "home-contractor")

    page.goto(f"/payments/{payment['id']}")
    for event in ("verify", "approve", "disburse", "reject"):
        assert page.locator(f"[data-testid=event-{event}]").count() == 0, event
        assert page.locator(f"[data-testid=blocked-{event}]").count() == 0, event
    assert page.locator("[data-testid=event-cancel]").is_visible()  # the requester may withdraw it
    page.goto("/payments/1?lang=en")
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
    page.goto("/desk/contractor")
    assert not HAN.findall(chrome_text(page)), chrome_text(page)


def test_a_payment_request_beyond_the_advance_cap_is_refused_with_its_reasons_and_the_form_kept(
        live: Live, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1950000.00"},
                      CONTRACTOR_A), 201)
    page = live.login(CONTRACTOR_A)
    page.goto(f"/contracts/{a['id']}")
    form = page.locator("[data-testid=request-payment]")
    form.locator("select[name=kind]").select_option("advance")
    form.locator("input[name=amount]").fill("100.00")
    form.locator("textarea[name=note]").fill("第二笔预付款")
    with page.expect_response(lambda r: r.url.endswith("/payments") and r.request.method == "POST") as answer:
        form.locator("[data-testid=submit-payment]").click()
    assert answer.value.status == 409
    refusal = page.locator(".flash.refusal")
    assert "超过合同金额的 30%" in refusal.inner_text() and refusal.locator("cite").count() >= 1
    form = page.locator("[data-testid=request-payment]")
    assert form.locator("input[name=amount]").input_value() == "100.00"
    assert form.locator("textarea[name=note]").input_value() == "第二笔预付款"
    # an amount that is not money is caught at the field
    form.locator("input[name=amount]").fill("12.345")
    with page.expect_response(lambda r: r.url.endswith("/payments") and r.request.method == "POST") as answer:
        form.locator("[data-testid=submit-payment]").click()
    assert answer.value.status == 422
    assert page.locator("[data-testid=request-payment] .field-error[data-field=amount]").is_visible()
    live.shot(page, "money-contract")
    assert len(flow.ok(flow.get(f"/contracts/{a['id']}/payments", CONTRACTOR_A))["items"]) == 1
    page.goto(f"/contracts/{a['id']}?lang=en")
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
