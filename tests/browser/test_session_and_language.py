"""Login, language and session safety in a real browser (issue 7)."""

from typing import Any

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import COMMERCE, Flow


def test_the_login_page_is_chinese_by_default_and_english_on_request(live: Live) -> None:
    page = live.page()
    page.goto("/login")
    assert page.locator("h1").inner_text() == "登录"
    page.click("[data-testid=lang-en]")
    assert page.locator("h1").inner_text() == "Log in"
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
    page.goto("/login")  # the choice is remembered
    assert page.locator("h1").inner_text() == "Log in"
    page.click("[data-testid=lang-zh]")
    assert page.locator("h1").inner_text() == "登录"


def test_a_wrong_password_says_nothing_about_the_user(live: Live, flow: Flow) -> None:
    page = live.page()
    texts = []
    for username in (COMMERCE, "no-such-user"):
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "wrong-password")
        page.click("[data-testid=login]")
        texts.append(page.locator(".flash").inner_text())
    assert texts[0] == texts[1] == "用户名或密码错误"


def test_a_form_without_its_csrf_token_is_refused_and_logout_kills_the_old_cookie(live: Live, flow: Flow,
                                                                                  app: Any) -> None:
    page = live.login(COMMERCE)
    context = page.context
    cookies = context.cookies()
    # a form posted without its token: refused, nothing done
    response = context.request.post(f"{live.base}/notifications/read", form={})
    assert response.status == 400
    # log out by clicking; the old session cookie no longer opens anything
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login")
    stale = live.browser.new_context(base_url=live.base)
    try:
        stale.add_cookies(cookies)
        answer = stale.request.get(f"{live.base}/notifications", max_redirects=0)
        assert answer.status == 302 and "/login" in answer.headers["location"]
        api = stale.request.get(f"{live.base}/api/v1/me")
        assert api.status == 401
    finally:
        stale.close()
