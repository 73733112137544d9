"""The admin's users page in a real browser (issue 18 item 6): the admin creates a second finance user, who
logs in with the temporary password shown once; disabling asks first and stops the user's next login."""

from typing import Any

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import FINANCE, Flow

ADMIN = "fj-admin"
PROVINCE = "350000"  # 福建省


def _log_in(live: Live, username: str, password: str) -> Any:
    page = live.page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login]")
    page.wait_for_load_state("networkidle")
    return page


def test_the_admin_creates_a_second_finance_user_who_then_logs_in(live: Live, flow: Flow) -> None:
    flow.user(ADMIN, "admin", PROVINCE)
    page = live.login(ADMIN)
    assert page.url.endswith("/admin/users"), page.url  # the admin's home is its users page
    assert page.locator("nav.main a[aria-current=page]").inner_text() == "用户管理"
    assert page.locator(f"tr[data-user={FINANCE}]").count() == 1

    page.fill("[data-testid=new-username]", "xp-finance-2")
    page.select_option("[data-testid=new-role]", label="财政部门")
    page.select_option("[data-testid=new-region]", label="福建省 / 宁德市 / 霞浦县")
    page.click("[data-testid=create-user-submit]")
    page.wait_for_load_state("networkidle")
    password = page.locator("[data-testid=password-value]").inner_text().strip()
    assert len(password) >= 12
    row = page.locator("tr[data-user='xp-finance-2']")
    assert "财政部门" in row.inner_text() and "霞浦县" in row.inner_text()
    live.shot(page, "admin-users-created")

    page.reload()  # shown once: a later visit shows it no more
    assert page.locator("[data-testid=temporary-password]").count() == 0

    newcomer = _log_in(live, "xp-finance-2", password)
    assert "/desk/finance" in newcomer.url, newcomer.url
    assert "xp-finance-2" in newcomer.locator(".who").inner_text()

    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm asks before disabling
    page.click("[data-testid='disable-xp-finance-2']")
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-user='xp-finance-2']").get_attribute("data-active") == "false"
    refused = _log_in(live, "xp-finance-2", password)
    assert "/login" in refused.url


def test_a_refused_form_keeps_what_was_typed_and_the_page_reads_in_english(live: Live, flow: Flow) -> None:
    flow.user(ADMIN, "admin", PROVINCE)
    page = live.login(ADMIN)
    page.fill("[data-testid=new-username]", FINANCE)
    page.select_option("[data-testid=new-role]", label="承办企业")
    page.fill("[data-testid=new-contractor]", "91350921MA32ABCD10")
    page.click("[data-testid=create-user-submit]")
    page.wait_for_load_state("networkidle")
    assert "已被使用" in page.locator(".field-error[data-field=username]").inner_text()
    assert page.locator(".field-error[data-field=contractor]").count() == 1
    assert page.locator("[data-testid=new-contractor]").input_value() == "91350921MA32ABCD10"

    page.goto("/admin/users?lang=en")
    assert page.locator("h1").inner_text() == "User administration"
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
