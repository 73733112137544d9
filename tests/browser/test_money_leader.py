"""The leading group's desk in a browser (issue 7; seed 004 §5(5)3): acceptances whose notice ended clear."""

from typing import Any

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import LEADER, Flow


def notice_clear(flow: Flow) -> dict[str, Any]:
    """Contract A's first stage passed, published, and its notice over without objection."""
    project, a, _ = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    flow.after_notice(acceptance)
    cleared = flow.act_ok(acceptance, "close_notice")
    assert cleared["state"] == "notice_clear"
    return cleared


def test_a_leader_approves_an_acceptance_from_the_desk_by_clicking(live: Live, flow: Flow) -> None:
    acceptance = notice_clear(flow)
    page = live.login(LEADER)
    assert page.url.endswith("/desk/leader")
    item = page.locator(f"[data-testid=waiting-{acceptance['id']}]")
    assert "第1阶段验收" in item.inner_text() and "标段一" in item.inner_text()
    assert "2,600,000.00 元" in item.inner_text() and "260万元" in item.inner_text()
    assert "公示截止 2024-10-10 24:00" in item.inner_text()
    live.shot(page, "home-leader")
    item.locator("[data-testid=event-approve]").click()
    page.wait_for_load_state("networkidle")
    assert "当前状态：领导小组已审定" in page.locator(".flash").inner_text()
    assert page.locator("[data-testid=waiting-empty]").is_visible()
    assert flow.acceptance(acceptance["id"])["approved_by"] == flow.user_ids[LEADER]

    page.goto(f"/acceptances/{acceptance['id']}")
    assert page.locator("h1 .state").inner_text() == "领导小组已审定"
    steps = page.locator("[data-testid=steps] tbody tr")
    assert steps.last.get_attribute("data-action") == "acceptance.approve"
    assert LEADER in steps.last.inner_text()
    # the leader has nothing more to do here, and no commerce button shows
    assert page.locator("[data-testid^=event-]").count() == 0


def test_the_acceptance_page_shows_the_notice_in_beijing_time_and_reads_in_english(live: Live, flow: Flow) -> None:
    acceptance = notice_clear(flow)
    page = live.login(LEADER)
    page.goto(f"/acceptances/{acceptance['id']}")
    assert page.locator("[data-testid=notice-ends]").inner_text() == "2024-10-10 24:00"
    assert page.locator("[data-testid=verdicts] tbody tr").count() == 2
    assert page.locator("[data-testid=event-approve]").is_visible()
    for path in (f"/acceptances/{acceptance['id']}?lang=en", "/desk/leader"):
        page.goto(path)
        assert not HAN.findall(chrome_text(page)), (path, chrome_text(page))
