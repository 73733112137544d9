"""The public calls page in a real browser, without a login (issue 20 item 5): a member of the public finds the
call from the landing page, reads its lines, the money available in 万元, the applicant in notice with the
proposed subsidy, and, once awarded, the recipient and the amount."""

from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import ARTIFACTS, HAN, Live, chrome_text
from tests.e2e.test_applications import ENTERPRISE, act_ok, filed, in_notice, open_call
from tests.flow import CODE_C, LEADER, NAME_C, Flow


@pytest.fixture
def flow(flow: Flow) -> Flow:
    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    return flow


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

    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    act_ok(flow, noticed, "close_notice")
    act_ok(flow, noticed, "award", LEADER)
    page.reload()
    award = page.locator(f"[data-testid=call-award-{noticed['id']}]").inner_text()
    assert NAME_C in award and "50万元" in award and "500,000.00 元" in award
    assert "50万元" in page.locator("[data-testid=call-awarded]").inner_text()
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "public-calls.png"), full_page=True)

    page.goto(f"/public/calls/{call['id']}?lang=en")
    assert "0.5 million yuan" in page.locator(f"[data-testid=call-award-{noticed['id']}]").inner_text()
    assert not HAN.search(chrome_text(page)), chrome_text(page)
