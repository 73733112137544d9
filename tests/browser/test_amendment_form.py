"""An amendment proposed in the plan form in Chromium (issue 18 item 1), in Chinese and in English: from the
project page an official opens the form on the plan in force, raises a line's amount in 万元, sees the lines no
longer add up to the total as she types, lowers another line until they do, gives the reason, proposes, and the
amendment's page shows both changes old → new."""

import pytest

from tests.browser.conftest import HAN, Live, chrome_text
from tests.browser.test_content_security_policy import watched
from tests.flow import COMMERCE, Flow

LINES_SUM = "[data-testid=plan-checks] [data-check=lines_sum]"
WORDS = {
    "zh": {"reason": "按市商务局意见，扶贫资金增加30万元，其他事项相应减少", "submitted": "方案调整申请已提交",
           "proposed": "待审核", "old": "100万元", "new": ("130万元", "70万元"), "checks": "提交前核对"},
    "en": {"reason": "On the city bureau's advice: 300,000 more to poverty alleviation, as much less to other items",
           "submitted": "The amendment was submitted", "proposed": "Proposed", "old": "1,000,000.00",
           "new": ("1,300,000.00", "700,000.00"), "checks": "Checks before proposing"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_official_changes_a_lines_amount_in_wan_sees_the_checks_and_proposes_the_amendment(
        live: Live, flow: Flow, lang: str) -> None:
    words = WORDS[lang]
    pid = flow.tendered_project()["id"]
    page, refused = watched(live)
    live.login(COMMERCE, page)
    page.goto(f"/projects/{pid}?lang={lang}")
    page.click("[data-testid=propose-amendment]")
    form = page.locator("[data-plan-form]")
    form.wait_for()
    assert form.locator("[data-testid=pf-unit-wan]").is_checked()
    assert page.locator(f"{LINES_SUM}[data-passed=true]").count() == 1  # the plan in force, checked on opening
    assert page.locator("[data-testid=plan-checks] h2").inner_text() == words["checks"]
    lines = form.locator("[data-rows=lines] [data-line]")
    poverty, other = lines.nth(3), lines.nth(4)
    assert poverty.locator("input[name$=-amount]").input_value() == "100"

    poverty.locator("input[name$=-amount]").fill("130")
    page.wait_for_selector(f"{LINES_SUM}[data-passed=false]")
    assert "1030" in page.locator("[data-sums]").inner_text().replace(",", "")
    live.shot(page, f"amendment-form-lines-over-{lang}")

    other.locator("input[name$=-amount]").fill("70")
    page.wait_for_selector(f"{LINES_SUM}[data-passed=true]")
    assert page.locator("[data-testid=plan-checks] .pf-check.fail").count() == 0
    form.locator("[data-testid=amendment-reason]").fill(words["reason"])
    if lang == "en":
        assert not HAN.search(chrome_text(page)), chrome_text(page)
    live.shot(page, f"amendment-form-checked-{lang}")
    assert not page.evaluate("() => window.__csp") and not refused

    form.locator("[data-testid=submit-amendment]").click()
    page.wait_for_url("**/amendments/*")
    assert words["submitted"] in page.locator(".flash").inner_text()
    assert page.locator("h1 .state").inner_text() == words["proposed"]
    assert page.locator("[data-testid=amendment-reason]").inner_text() == words["reason"]
    diff = page.locator("[data-testid=diff]")
    assert diff.locator("tr[data-path]").count() == 2
    for path, new in zip(("lines.3.amount", "lines.4.amount"), words["new"], strict=True):
        row = diff.locator(f"tr[data-path='{path}']").inner_text()
        assert words["old"] in row and new in row, row
    if lang == "en":
        assert not HAN.search(chrome_text(page)), chrome_text(page)
    live.shot(page, f"amendment-proposed-{lang}")
