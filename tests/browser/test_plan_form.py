"""The plan typed as a form in Chromium (issue 18 item 1), in Chinese and in English: an official creates a
project in 万元, rule set chosen by its title and each line's use of funds by its label, sees the public service
centre's cap fail as she types and pass once corrected, saves and files the plan from the project page."""

import pytest

from tests.browser.conftest import HAN, Live, chrome_text
from tests.browser.test_content_security_policy import watched
from tests.flow import COMMERCE, Flow

WORDS = {
    "zh": {"rules": "曲靖市2018年电子商务进农村综合示范项目资金管理规则（曲政办发〔2018〕205号）",
           "centre": "公共服务中心",
           "chain": "农村电商供应链体系", "logistics": "农村物流配送体系", "add_line": "添加建设内容",
           "filed": "已报备"},
    "en": {"rules": "Qujing 2018 rural e-commerce demonstration: fund rules (Qu Zheng Ban Fa [2018] No. 205)",
           "centre": "Public service centre",
           "chain": "Rural e-commerce supply chain", "logistics": "Rural logistics and delivery",
           "add_line": "Add a budget line", "filed": "Filed"},
}
CAP = "[data-testid=plan-checks] [data-check='caps:public_service_center']"


def fill_line(page: object, n: int, category: str, item: str, amount: str, tag: str) -> None:
    row = page.locator("[data-rows=lines] [data-line]").nth(n)  # type: ignore[attr-defined]
    row.locator("input[name$=-category]").fill(category)
    row.locator("input[name$=-item]").fill(item)
    row.locator("input[name$=-amount]").fill(amount)
    row.locator("label.pf-tag", has_text=tag).locator("input").check()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_official_types_a_plan_in_wan_sees_the_cap_fail_then_pass_saves_and_files_it(
        live: Live, flow: Flow, lang: str) -> None:
    words = WORDS[lang]
    page, refused = watched(live)
    live.login(COMMERCE, page)
    page.goto(f"/projects/new?lang={lang}")
    form = page.locator("[data-plan-form]")
    form.locator("[data-testid=pf-name]").fill("富源县电子商务进农村综合示范项目")
    page.wait_for_selector("[data-testid=plan-checks][data-state=incomplete] [data-checks-note]:has-text('{}')"
                           .format("Total budget" if lang == "en" else "总投资"))  # what is still missing
    form.locator("[data-testid=pf-rule-set]").select_option(label=words["rules"])
    assert form.locator("[data-testid=pf-unit-wan]").is_checked()  # 万元 unless the official switches
    form.locator("[data-testid=pf-total]").fill("1,000")
    funding = form.locator("[data-rows=funding] [data-row]").first
    funding.locator("input[name$=-source]").fill("中央财政资金")
    funding.locator("input[name$=-amount]").fill("1000")
    fill_line(page, 0, "公共服务体系", "县级电商公共服务中心", "200", words["centre"])
    fill_line(page, 1, "供应链体系", "农产品供应链", "500", words["chain"])
    page.click(f"text={words['add_line']}")  # the third line is added by the script
    assert form.locator("[data-rows=lines] [data-line]").count() == 3
    row = form.locator("[data-rows=lines] [data-line]").nth(2)
    row.locator("input[name$=-category]").fill("物流体系")
    row.locator("input[name$=-item]").fill("县乡村三级物流")
    assert "pf-needs-tag" in (row.get_attribute("class") or "")  # a typed line without a use of funds
    row.locator("input[name$=-amount]").fill("300")
    row.locator("label.pf-tag", has_text=words["logistics"]).locator("input").check()
    assert "pf-needs-tag" not in (row.get_attribute("class") or "")

    page.wait_for_selector(f"{CAP}[data-passed=false]")
    failed = page.locator(CAP).inner_text()
    assert "20%" in failed and "15%" in failed
    if lang == "en":
        assert "above the 15% cap" in failed
        assert not HAN.search(chrome_text(page).replace(words["rules"], "")), chrome_text(page)
    else:
        assert "超过 15% 的上限" in failed
    live.shot(page, f"plan-form-cap-failed-{lang}")

    form.locator("[data-rows=lines] [data-line]").nth(0).locator("input[name$=-amount]").fill("150")
    form.locator("[data-rows=lines] [data-line]").nth(2).locator("input[name$=-amount]").fill("350")
    page.wait_for_selector(f"{CAP}[data-passed=true]")
    assert "10,000,000.00" in page.locator("[data-sums]").inner_text()
    form.locator("[data-testid=pf-unit-yuan]").check()  # the amounts typed are converted, not re-read
    assert form.locator("[data-testid=pf-total]").input_value() == "10000000"
    assert form.locator("[data-rows=lines] [data-line] input[name$=-amount]").first.input_value() == "1500000"
    form.locator("[data-testid=pf-unit-wan]").check()
    assert form.locator("[data-testid=pf-total]").input_value() == "1000"
    page.wait_for_selector(f"{CAP}[data-passed=true]")
    assert page.locator("[data-testid=plan-checks] .pf-check.fail").count() == 0
    live.shot(page, f"plan-form-checks-passed-{lang}")
    assert not page.evaluate("() => window.__csp") and not refused  # the script runs under the strict policy

    form.locator("[data-testid=save-plan]").click()
    page.wait_for_url("**/projects/*")
    assert page.locator("h1 .state").get_attribute("data-state") == "plan_drafted"
    plan = page.locator("[data-testid=plan]")
    assert plan.locator("tr[data-line]").count() == 3
    assert "1,500,000.00" in plan.inner_text() and "10,000,000.00" in plan.inner_text()
    page.click("[data-testid=event-file]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").get_attribute("data-state") == "filed"
    assert page.locator("h1 .state").inner_text() == words["filed"]
    live.shot(page, f"plan-form-filed-{lang}")


def test_a_draft_edited_in_the_form_shows_its_untagged_line_and_works_without_script(live: Live, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    context = live.browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                       base_url=live.base, java_script_enabled=False)
    live.contexts.append(context)
    page = live.login(COMMERCE, context.new_page())
    page.goto(f"/projects/{pid}/plan")
    line = page.locator("[data-rows=lines] [data-line]").nth(4)
    line.locator("label.pf-tag input:checked").uncheck()
    page.locator("[data-testid=save-plan]").click()
    page.wait_for_url(f"**/projects/{pid}")
    page.goto(f"/projects/{pid}/plan")
    assert page.locator(".pf-needs-tag").count() == 1
    assert page.locator("[data-testid=plan-checks] [data-check=tags]").get_attribute("data-passed") == "false"
    live.shot(page, "plan-form-untagged-line")

    scripted = live.login(COMMERCE)
    scripted.goto(f"/projects/{pid}/plan")
    line = scripted.locator("[data-rows=lines] [data-line]").nth(4)
    assert "pf-needs-tag" in (line.get_attribute("class") or "")
    live.shot(scripted, "plan-form-draft")
    line.locator("label.pf-tag", has_text="其他").locator("input").check()
    scripted.wait_for_selector("[data-testid=plan-checks] [data-check=tags][data-passed=true]")
    assert "pf-needs-tag" not in (line.get_attribute("class") or "")


def test_the_plan_form_fits_a_phone(live: Live, flow: Flow) -> None:
    phone = live.login(COMMERCE, live.page(width=375, height=800))
    phone.goto("/projects/new")
    assert phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    live.shot(phone, "plan-form-phone")
