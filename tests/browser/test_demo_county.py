"""``disburse demo``'s county in a browser (issue 18 item 7): every demo login opens on work, and two finance
users click payments through to disbursed."""

from typing import Any

import pytest

from disburse.domain.notice import local_date
from disburse.services import demo
from disburse.services.context import Origin
from tests.browser.conftest import Live
from tests.e2e.test_demo import HOME_ITEMS


@pytest.fixture
def demo_live(live: Live) -> Live:
    assert demo.prepare(live.app.extensions["disburse.db"], Origin(client_addr="test"),
                        documents=live.app.extensions["disburse.documents"]) is True
    return live


def login(live: Live, username: str, lang: str = "zh") -> Any:
    page = live.page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/login?lang={lang}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.PASSWORD)
    page.click("[data-testid=login]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, page.content()[:2000]
    return page


def test_every_demo_login_lands_on_its_work(demo_live: Live) -> None:
    for username, (attribute, prefix) in HOME_ITEMS.items():
        page = login(demo_live, username)
        assert page.locator(f"[{attribute}^='{prefix}']" if prefix else f"[{attribute}]").count() >= 1, username
        demo_live.shot(page, f"demo-home-{username}")


def test_two_demo_finance_users_click_payments_through_to_disbursed(demo_live: Live) -> None:
    today = local_date(demo_live.app.extensions["disburse.clock"].now()).isoformat()
    finance = login(demo_live, "demo-finance")
    verified = finance.locator(".queue-item[data-state=verified]").first
    verified_id = verified.get_attribute("data-testid").rsplit("-", 1)[1]
    verified.locator("[data-testid=event-approve]").click()
    finance.wait_for_load_state("networkidle")
    assert "已批准" in finance.locator(".flash").inner_text()

    second = login(demo_live, "demo-finance-2")
    items = second.locator(".queue-item[data-state=approved]")
    assert items.count() == 2
    for n in range(2):
        item = second.locator(".queue-item[data-state=approved]").first
        item.locator("[data-testid=voucher_no]").fill(f"XP-DEMO-{n + 1:04d}")
        item.locator("[data-testid=disbursed_on]").fill(today)
        item.locator("[data-testid=event-disburse]").click()
        second.wait_for_load_state("networkidle")
        assert "已拨付" in second.locator(".flash").inner_text()
    assert second.locator(".queue-item").count() == 0
    second.goto(f"/payments/{verified_id}")
    assert second.locator("h1 .state").inner_text() == "已拨付"
    demo_live.shot(second, "demo-payment-disbursed")
