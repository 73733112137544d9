"""The public calls page in a real browser, without a login (issue 20 item 5): a member of the public finds the
call from the landing page, reads its lines, the money available in 万元, the applicant in notice with the
proposed subsidy, and, once awarded, the recipient and the amount, then the subsidy paid."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, HAN, Live, chrome_text
from tests.e2e.test_applications import ENTERPRISE, act_ok, filed, in_notice, open_call
from tests.e2e.test_subsidies import ACCOUNT, COMMERCE_2, FINANCE_2, accepted, request, step, today
from tests.flow import CODE_C, COMMERCE, FINANCE, LEADER, NAME_C, Flow


@pytest.fixture
def flow(flow: Flow) -> Flow:
    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    return flow


def pay_the_subsidy(flow: Flow, project: dict[str, Any], application: dict[str, Any]) -> None:
    """The awarded work accepted for 45万 (核减) and that subsidy paid by four people."""
    flow.user(COMMERCE_2, "commerce")
    flow.user(FINANCE_2, "finance")
    flow.funds_arrived(project)
    accepted(flow, project, application, "450000.00")
    payment = flow.ok(request(flow, application, "450000.00"), 201)
    flow.ok(step(flow, payment, "verify", COMMERCE_2))
    flow.ok(step(flow, payment, "approve", FINANCE))
    flow.client.put(f"/api/v1/contracts/{application['contract_id']}/payee", headers=flow.h(COMMERCE),
                    json={"payee_bank": "中国农业银行霞浦县支行", "payee_account": ACCOUNT})
    flow.ok(step(flow, payment, "disburse", FINANCE_2, voucher_no="ZF-2024-301", disbursed_on=today(flow)))


def test_the_public_finds_the_recipient_and_the_amount_of_an_award(live: Live, flow: Flow) -> None:
    project = filed(flow)
    call = flow.ok(open_call(flow, project, 4, "1000000.00", title="2024年电商扶贫项目申报"), 201)
    second = flow.ok(open_call(flow, project, 2, "3000000.00", title="2024年农村物流快递补助项目申报"), 201)
    noticed = in_notice(flow, call, "500000.00")
    in_notice(flow, second, "800000.00")

    page = live.page()
    page.goto("/public")
    page.click("[data-testid=calls-link]")
    assert page.locator(f"[data-testid=public-call-{call['id']}]").count() == 1
    assert "正在公示" in page.locator(f"[data-testid=call-summary-{second['id']}]").inner_text()
    page.click(f"[data-testid=public-call-{call['id']}] a")
    assert page.locator("[data-testid=call-title]").inner_text() == "2024年电商扶贫项目申报"
    assert "100万元" in page.locator("[data-testid=call-total]").inner_text()
    assert "县电商办、商务局" in page.locator("[data-testid=line-responsible]").inner_text()
    notice = page.locator(f"[data-testid=call-notice-{noticed['id']}]").inner_text()
    assert NAME_C in notice and CODE_C in notice and "50万元" in notice

    page.click(f"[data-testid=object-{noticed['id']}]")
    assert NAME_C in page.locator("[data-testid=notice-applicant]").inner_text()
    assert "50万元" in page.locator("[data-testid=notice-proposed]").inner_text()
    assert page.locator("[data-testid=objection-form]").count() == 1
    live.shot(page, "public-application-notice")
    page.go_back()

    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    act_ok(flow, noticed, "close_notice")
    awarded = act_ok(flow, noticed, "award", LEADER)
    pay_the_subsidy(flow, project, awarded)
    page.reload()
    award = page.locator(f"[data-testid=call-award-{noticed['id']}]").inner_text()
    assert NAME_C in award and "50万元" in award and "500,000.00 元" in award
    assert "50万元" in page.locator("[data-testid=call-awarded]").inner_text()
    paid = page.locator("[data-testid=call-payment]").inner_text()
    assert NAME_C in paid and "45万元" in paid
    assert "45万元" in page.locator("[data-testid=call-paid]").inner_text()
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "public-calls.png"), full_page=True)

    page.goto(f"/public/calls/{call['id']}?lang=en")
    assert "0.5 million yuan" in page.locator(f"[data-testid=call-award-{noticed['id']}]").inner_text()
    assert not HAN.search(chrome_text(page)), chrome_text(page)
