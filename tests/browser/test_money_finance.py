"""Finance's desk in a browser (issue 7): the approval queue with its gates evaluated, approve, disburse."""

from typing import Any

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, Flow

FINANCE_2 = "xp-finance-2"


def verified_advance(flow: Flow, contract: dict[str, Any], amount: str, requester: str) -> dict[str, Any]:
    """An advance requested by the contractor and verified by commerce: waiting for finance."""
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": amount},
                                requester), 201)
    flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "verify"}, COMMERCE))
    return payment


def test_finance_approves_in_the_queue_and_another_finance_user_disburses(live: Live, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    _, a, b = flow.selected_project()
    first = verified_advance(flow, a, "1950000.00", CONTRACTOR_A)
    second = verified_advance(flow, b, "1050000.00", CONTRACTOR_B)

    page = live.login(FINANCE)
    assert page.url.endswith("/desk/finance")
    item = page.locator(f"[data-testid=queue-item-{first['id']}]")
    assert item.locator("[data-testid=amount-yuan]").inner_text() == "1,950,000.00 元"
    assert item.locator("[data-testid=amount-wan]").inner_text() == "195万元"
    assert "标段一" in item.inner_text() and "等待自 2024-09-27 10:00" in item.inner_text()
    # the oldest waits first
    assert page.locator(".queue-item").first.get_attribute("data-testid") == f"queue-item-{first['id']}"
    assert page.locator("[data-testid=ledger-1] [data-field=total-in_flight]").inner_text().startswith(
        "3,000,000.00 元")

    item.locator("[data-testid=event-approve]").click()
    page.wait_for_load_state("networkidle")
    assert "当前状态：已批准" in page.locator(".flash").inner_text()
    item = page.locator(f"[data-testid=queue-item-{first['id']}]")
    assert item.get_attribute("data-state") == "approved"
    # who approved may not also disburse: the button is not there, the reason is
    assert item.locator("[data-testid=event-disburse]").count() == 0
    blocked = item.locator("[data-testid=blocked-disburse]")
    reason = blocked.locator("li[data-code=same_user_two_steps]").inner_text()
    assert reason.startswith("同一人员不能办理同一笔拨付的两个环节")
    assert "本系统办理规则（无文件条款）" in blocked.inner_text()

    other = live.login(FINANCE_2)
    live.shot(other, "home-finance")
    item = other.locator(f"[data-testid=queue-item-{first['id']}]")
    item.locator("[data-testid=voucher_no]").fill("2024-ZF-0088")
    item.locator("[data-testid=disbursed_on]").fill("2024-09-27")
    item.locator("[data-testid=event-disburse]").click()
    other.wait_for_load_state("networkidle")
    assert "当前状态：已拨付" in other.locator(".flash").inner_text()
    assert other.locator(f"[data-testid=queue-item-{first['id']}]").count() == 0
    assert other.locator(f"[data-testid=queue-item-{second['id']}]").count() == 1

    other.goto(f"/payments/{first['id']}")
    assert other.locator("h1 .state").inner_text() == "已拨付"
    assert other.locator("[data-testid=voucher]").inner_text() == "2024-ZF-0088"
    assert other.locator("[data-testid=disbursed-on]").inner_text() == "2024-09-27"
    steps = other.locator("[data-testid=steps] tbody tr")
    assert steps.count() == 4
    assert [steps.nth(i).get_attribute("data-action") for i in range(4)] == [
        "payment.request", "payment.verify", "payment.approve", "payment.disburse"]
    assert FINANCE_2 in steps.nth(3).inner_text() and "财政部门" in steps.nth(3).inner_text()
    live.shot(other, "money-payment")


def test_a_disbursement_without_its_voucher_keeps_what_was_typed_and_says_why(live: Live, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    _, a, _ = flow.selected_project()
    payment = verified_advance(flow, a, "1950000.00", CONTRACTOR_A)
    flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "approve"}, FINANCE))
    page = live.login(FINANCE_2)
    page.goto(f"/payments/{payment['id']}")
    form = page.locator("form[data-event=disburse]")
    form.locator("[data-testid=voucher_no]").fill("  ")
    form.locator("[data-testid=disbursed_on]").fill("2024-10-08")
    form.locator("[data-testid=voucher_no]").evaluate("e => e.removeAttribute('required')")
    response = None
    with page.expect_response(lambda r: r.url.endswith("/events")) as answer:
        form.locator("[data-testid=event-disburse]").click()
    response = answer.value
    assert response.status == 422
    form = page.locator("form[data-event=disburse]")
    assert form.locator("[data-testid=disbursed_on]").input_value() == "2024-10-08"
    assert form.locator(".field-error[data-field=voucher_no]").count() == 1
    assert page.locator("h1 .state").inner_text() == "已批准"


def test_the_finance_desk_reads_in_english_without_chinese_chrome(live: Live, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    payment = verified_advance(flow, a, "1950000.00", CONTRACTOR_A)
    page = live.login(FINANCE)
    for path in ("/desk/finance?lang=en", f"/payments/{payment['id']}", f"/contracts/{a['id']}"):
        page.goto(path)
        assert not HAN.findall(chrome_text(page)), (path, chrome_text(page))
    page.goto("/desk/finance")
    assert page.locator(f"[data-testid=queue-item-{payment['id']}] [data-testid=amount-wan]").inner_text() == \
        "1.95 million yuan"


def test_the_finance_desk_fits_a_phone_screen(live: Live, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    verified_advance(flow, a, "1950000.00", CONTRACTOR_A)
    page = live.login(FINANCE, live.page(width=375, height=740))
    assert page.locator("[data-testid=event-approve]").is_visible()
    # nothing but the tables (which scroll in their own box) is wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    live.shot(page, "money-finance-phone")
