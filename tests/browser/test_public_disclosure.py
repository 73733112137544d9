"""The public disclosure pages in a real browser, without a login (SPEC §9, issue 7)."""

from typing import Any

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import NAME_A, Flow

OBJECTION = "第一阶段的县级公共服务中心尚未投入使用，验收材料与实际不符。"


def notice_page(live: Live, flow: Flow, **size: int) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Seed 003 with contract A's stage acceptance on notice; a fresh browser on the public list."""
    project, a, _b = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    page = live.page(**size)
    page.goto("/public")
    return page, project, acceptance


def test_a_member_of_the_public_finds_the_notice_and_objects(live: Live, flow: Flow, app: Any) -> None:
    app.config["OBJECTION_MIN_SECONDS"] = 0
    page, project, acceptance = notice_page(live, flow)
    page.click(f"[data-testid=public-project-{project['id']}]")
    assert page.locator("[data-testid=public-project-name]").inner_text() == project["name"]
    assert NAME_A in page.locator("[data-testid=public-contracts]").inner_text()
    assert "12388" in page.locator("[data-testid=supervision]").inner_text()
    live.shot(page, "public-project")
    page.click(f"[data-testid=notice-{acceptance['notice']['id']}]")
    live.shot(page, "public-notice")
    page.fill("[data-testid=objection-contact]", "13800000000")
    page.fill("[data-testid=objection-content]", OBJECTION)
    page.click("[data-testid=objection-submit]")
    assert "您的异议已提交" in page.locator(".flash.success").inner_text()
    assert page.locator("[data-testid=notice-state]").inner_text() == "公示有异议"
    assert flow.acceptance(acceptance["id"])["state"] == "objected"


def test_a_filled_honeypot_is_refused_and_nothing_typed_is_lost(live: Live, flow: Flow, app: Any) -> None:
    app.config["OBJECTION_MIN_SECONDS"] = 0
    page, _project, acceptance = notice_page(live, flow)
    page.goto(f"/public/notices/{acceptance['notice']['id']}")
    page.fill("[data-testid=objection-name]", "张三")
    page.fill("[data-testid=objection-contact]", "13800000000")
    page.fill("[data-testid=objection-content]", OBJECTION)
    page.fill("[data-testid=objection-website]", "http://spam.example")
    page.click("[data-testid=objection-submit]")
    assert "提交未被受理" in page.locator(".flash.error").inner_text()
    assert page.input_value("[data-testid=objection-name]") == "张三"
    assert page.input_value("[data-testid=objection-contact]") == "13800000000"
    assert page.input_value("[data-testid=objection-content]") == OBJECTION
    assert page.input_value("[data-testid=objection-website]") == ""
    assert flow.acceptance(acceptance["id"])["state"] == "in_notice"
    page.click("[data-testid=objection-submit]")  # a person just sends it again
    assert "您的异议已提交" in page.locator(".flash.success").inner_text()


def test_the_public_pages_in_english_show_no_chinese_in_their_chrome(live: Live, flow: Flow) -> None:
    page, project, acceptance = notice_page(live, flow)
    page.click("[data-testid=lang-en]")
    assert page.locator("h1").inner_text().startswith("Public disclosure")
    for path in ("/public", f"/public/projects/{project['id']}", f"/public/notices/{acceptance['notice']['id']}"):
        page.goto(path)
        assert not HAN.findall(chrome_text(page)), (path, chrome_text(page))
    page.click("[data-testid=lang-zh]")
    assert page.locator("h1").inner_text().startswith("验收公示")


def test_the_project_page_fits_a_phone(live: Live, flow: Flow) -> None:
    page, project, _acceptance = notice_page(live, flow, width=375, height=740)
    page.goto(f"/public/projects/{project['id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    live.shot(page, "public-project-phone")


def test_a_citizen_reads_the_open_notice_from_the_landing_page_with_what_was_accepted(live: Live, flow: Flow) -> None:
    page, project, acceptance = notice_page(live, flow)
    notice_id = acceptance["notice"]["id"]
    notices = page.locator("[data-testid=open-notices]")
    assert notices.bounding_box()["y"] < page.locator("[data-testid=public-projects]").bounding_box()["y"]
    row = page.locator(f"[data-testid=open-notice-{notice_id}]").inner_text()
    assert NAME_A in row and "260万元" in row and "2024-10-10 24:00" in row
    hash_text = page.locator("[data-testid=audit-checkpoint] details.for-inspectors")
    assert hash_text.count() == 0 or not page.locator("code.hash").first.is_visible()
    live.shot(page, "public-landing")
    page.click(f"[data-testid=notice-{notice_id}]")
    lines = page.locator("[data-testid=notice-lines]").inner_text()
    assert project["lines"][0]["item"].split("；")[0] in lines and lines.count("合格") == 2
    assert "260万元" in page.locator("[data-testid=notice-proposed]").inner_text()
    assert "曲政办发〔2018〕205号" in page.locator("[data-testid=notice-result]").inner_text()
    live.shot(page, "public-notice-lines")
    page.goto(f"/public/notices/{notice_id}?lang=en")
    assert "Proposed subsidy" in page.locator("[data-testid=notice-result]").inner_text()
    assert "2.6 million yuan" in page.locator("[data-testid=notice-proposed]").inner_text()
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
    live.shot(page, "public-notice-lines-en")
    page.goto("/public?lang=en")
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
    live.shot(page, "public-landing-en")
    page.goto("/public/projects?lang=en")
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
    assert "fund rules" in page.locator("[data-testid=public-projects]").inner_text()


def test_hashes_stay_folded_for_inspectors_on_the_project_page(live: Live, flow: Flow) -> None:
    page, project, _acceptance = notice_page(live, flow)
    page.goto(f"/public/projects/{project['id']}")
    head = page.locator("[data-testid=audit-digest] code.hash").first
    assert not head.is_visible()
    page.click("[data-testid=audit-digest] details.for-inspectors summary")
    assert head.is_visible() and len(head.inner_text()) == 64
    live.shot(page, "public-project-inspectors")


def test_the_landing_page_and_the_notice_fit_a_phone(live: Live, flow: Flow) -> None:
    page, _project, acceptance = notice_page(live, flow, width=375, height=740)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    live.shot(page, "public-landing-phone")
    page.goto(f"/public/notices/{acceptance['notice']['id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    live.shot(page, "public-notice-phone")
