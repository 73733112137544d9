"""The pictures an official would look at first (issue 18, "Done when"): every role's home, a project, a payment
waiting for approval and the public notice, in Chinese and in English, taken on ``disburse demo``'s county.

They land in ``tests/artifacts/screenshots/`` (``DISBURSE_ARTIFACTS`` moves the parent), the folder the README
names, and CI keeps them. Each picture is also a check: the page answered 200 in its language, and its chrome
carries no Han character in English.
"""

from typing import Any

import pytest

from tests.browser.conftest import HAN, Live, chrome_text
from tests.browser.test_demo_county import demo_live, login

__all__ = ["demo_live"]  # the fixture, shared with the demo county's own browser tests

#: One demo login per role, whose home page is photographed.
ROLES = ("demo-commerce", "demo-finance", "demo-leader", "demo-contractor", "demo-supervisor", "demo-inspector",
         "demo-admin")


def look(live: Live, page: Any, path: str, lang: str, name: str, *, chrome: bool = True) -> None:
    """Open ``path`` in ``lang``, check it, and keep its picture as ``screenshots/<name>-<lang>.png``.

    ``chrome=False`` where the page's headings are the disclosed data itself (the public pages title each
    notice by its project, and cite documents by their Chinese numbers).
    """
    response = page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    if lang == "en" and chrome:
        assert not HAN.findall(chrome_text(page)), (path, HAN.findall(chrome_text(page))[:20])
    live.shot(page, f"screenshots/{name}-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots_of_every_role_a_project_a_payment_and_the_public_notice(demo_live: Live, lang: str) -> None:
    for username in ROLES:
        page = login(demo_live, username, lang)
        look(demo_live, page, "/", lang, f"home-{username.removeprefix('demo-')}")
        if username == "demo-commerce":
            project = page.locator("[data-project]").first.get_attribute("data-project")
            look(demo_live, page, f"/projects/{project}", lang, "project")
        if username == "demo-finance":
            item = page.locator(".queue-item[data-state=verified]").first
            payment = item.get_attribute("data-testid").rsplit("-", 1)[1]
            look(demo_live, page, f"/payments/{payment}", lang, "payment-approval")
    public = demo_live.page()
    look(demo_live, public, "/public", lang, "public", chrome=False)
    notice = public.locator("a[href^='/public/notices/']").first.get_attribute("href")
    look(demo_live, public, notice.split("?")[0], lang, "public-notice", chrome=False)
