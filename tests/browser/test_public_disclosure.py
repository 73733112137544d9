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
