"""Delegation while away in a browser (代理, issue 21 item 2): a finance official going on leave hands the queue
to a colleague on 我的代理; the colleague chooses to act for them from the desk, approves a payment on its page
under the banner that says for whom, and stops acting. In Chinese and English."""

from tests.browser.conftest import HAN, Live, chrome_text
from tests.browser.test_money_finance import FINANCE_2, verified_advance
from tests.flow import CONTRACTOR_A, FINANCE, LEADER, Flow


def test_a_finance_official_delegates_and_the_colleague_approves_in_their_name(live: Live, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    _, a, _ = flow.selected_project()
    payment = verified_advance(flow, a, "1950000.00", CONTRACTOR_A)

    page = live.login(FINANCE)
    page.get_by_role("link", name="我的代理").click()
    assert page.locator("h1").inner_text() == "我的代理"
    assert page.locator("[data-testid=from]").input_value() == "2024-09-27"  # today
    page.locator("[data-testid=to]").select_option(FINANCE_2)
    page.locator("[data-testid=until]").fill("2024-09-20")
    page.locator("[data-testid=note]").fill("休假")
    page.locator("[data-testid=give]").click()
    page.wait_for_load_state("networkidle")
    assert "代理结束时间须晚于开始时间" in page.locator("[data-field=until]").inner_text()
    assert page.locator("[data-testid=note]").input_value() == "休假"  # kept as typed
    live.shot(page, "delegation-refused")
    page.locator("[data-testid=until]").fill("2024-10-08")
    page.locator("[data-testid=give]").click()
    page.wait_for_load_state("networkidle")
    assert "已委托 xp-finance-2 代理：2024年9月27日0时 至 2024年10月7日24时" in page.locator(".flash").inner_text()
    row = page.locator("[data-testid=given] tr[data-delegation]")
    assert row.count() == 1 and "代理中" in row.inner_text() and "休假" in row.inner_text()
    live.shot(page, "delegation-given")
    page.goto("/me/delegations?lang=en")
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
    assert "2024-09-27 00:00 to 2024-10-07 24:00" in page.locator("[data-testid=given]").inner_text()
    live.shot(page, "delegation-given-en")
    page.goto("/me/delegations?lang=zh")

    deputy = live.login(FINANCE_2)
    assert deputy.url.endswith("/desk/finance")
    offer = deputy.locator(f"[data-testid=acting-offer-{FINANCE}]")
    assert "xp-finance（财政部门）已委托您代理其工作" in offer.inner_text()
    live.shot(deputy, "delegation-offer-on-desk")
    offer.locator(f"[data-testid=act-for-{FINANCE}]").click()
    deputy.wait_for_load_state("networkidle")
    banner = deputy.locator("[data-testid=acting-banner]")
    assert "您正在代理 xp-finance（财政部门）办理" in banner.inner_text()
    assert "xp-finance-2" in deputy.locator(".who").inner_text()  # the header names who is logged in

    deputy.goto(f"/payments/{payment['id']}")
    assert banner.is_visible()
    live.shot(deputy, "delegation-acting-payment")
    deputy.locator("[data-testid=event-approve]").click()
    deputy.wait_for_load_state("networkidle")
    assert "当前状态：已批准" in deputy.locator(".flash").inner_text()
    assert live.dialogs and live.dialogs[-1].startswith("批准向")  # the approval asked first
    approval = deputy.locator("[data-testid=steps] tr[data-action='payment.approve']")
    assert "xp-finance-2 · 财政部门 代 xp-finance · 财政部门" in approval.inner_text()
    live.shot(deputy, "delegation-approved")
    entry = [e for e in flow.audit_actions(payment["project_id"]) if e["action"] == "payment.approve"][-1]
    assert entry["actor"]["username"] == FINANCE_2 and entry["on_behalf_of"]["username"] == FINANCE

    deputy.goto("/desk/finance?lang=en")
    banner_en = deputy.locator("[data-testid=acting-banner]").inner_text()
    assert "You are acting for xp-finance (Finance bureau)" in banner_en
    assert not HAN.findall(chrome_text(deputy)), chrome_text(deputy)
    deputy.goto("/desk/finance?lang=zh")
    deputy.locator("[data-testid=acting-stop]").click()
    deputy.wait_for_load_state("networkidle")
    assert deputy.locator("[data-testid=acting-banner]").count() == 0
    assert "已退出代理" in deputy.locator(".flash").inner_text()

    deputy.get_by_role("link", name="我的代理").click()
    received = deputy.locator("[data-testid=received] tr[data-delegation]")
    assert "xp-finance" in received.inner_text() and received.locator(f"[data-testid=act-for-{FINANCE}]").count() == 1
    live.shot(deputy, "delegation-received")


def test_the_principal_revokes_on_the_page_after_confirming(live: Live, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    flow.ok(flow.post("/me/delegations", {"to": FINANCE_2, "until": "2024-10-08", "note": "出差"}, FINANCE), 201)
    page = live.login(FINANCE)
    page.goto("/me/delegations")
    page.locator("[data-testid=given] button[data-testid^=revoke-]").click()
    page.wait_for_load_state("networkidle")
    assert live.dialogs[-1].startswith("撤销 xp-finance 委托 xp-finance-2 的代理？")
    row = page.locator("[data-testid=given] tr[data-delegation]")
    assert "已撤销" in row.inner_text() and row.locator("button").count() == 0
    live.shot(page, "delegation-revoked")


def test_the_administrator_lists_every_delegation_and_revokes_one(live: Live, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    flow.user("fj-admin", "admin", region="350000")
    flow.ok(flow.post("/me/delegations", {"to": FINANCE_2, "until": "2024-10-08", "note": "出差"}, FINANCE), 201)
    flow.ok(flow.post("/me/delegations", {"to": FINANCE, "from": "2024-10-10", "until": "2024-10-12"},
                      LEADER), 201)
    page = live.login("fj-admin")
    page.locator("[data-testid=delegations-link]").click()
    rows = page.locator("[data-testid=delegations] tr[data-delegation]")
    assert rows.count() == 2 and "未开始" in rows.first.inner_text() and "代理中" in rows.last.inner_text()
    rows.last.locator("button[data-testid^=revoke-]").click()
    page.wait_for_load_state("networkidle")
    assert "已撤销 xp-finance 委托 xp-finance-2 的代理" in page.locator(".flash").inner_text()
    assert "已撤销" in page.locator("[data-testid=delegations] tr[data-delegation]").last.inner_text()
    live.shot(page, "delegation-admin")
