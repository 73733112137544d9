"""The leading group votes in a browser (会签, issue 21; seed 004 §5(5)3): on a five-member group each member
votes from the desk or the acceptance's page, in Chinese and English, and the minutes are a link away."""

from typing import Any

from tests.browser.conftest import HAN, Live, chrome_text
from tests.browser.test_money_leader import notice_clear as leader_notice_clear
from tests.e2e.test_leading_group import MEMBERS
from tests.flow import Flow


def notice_clear(flow: Flow) -> dict[str, Any]:
    for name in MEMBERS[1:]:
        flow.user(name, "leader")
    return leader_notice_clear(flow)


def test_three_members_vote_on_the_page_and_the_result_is_approved(live: Live, flow: Flow) -> None:
    acceptance = notice_clear(flow)
    for n, who in enumerate(MEMBERS[:3]):
        page = live.login(who)
        page.goto(f"/acceptances/{acceptance['id']}")
        assert page.locator("[data-testid=blocked-approve]").is_visible()  # a group of five votes
        form = page.locator("form[data-event=vote]")
        form.locator("[data-testid=vote]").select_option("approve")
        form.locator("[data-testid=opinion]").fill(f"同意（成员{n + 1}）")
        form.locator("[data-testid=event-vote]").click()
        page.wait_for_load_state("networkidle")
        if n == 1:
            live.shot(page, "acceptance-votes")
    assert "领导小组已审定" in page.locator("h1 .state").inner_text()
    rows = page.locator("[data-testid=votes] tbody tr")
    assert rows.count() == 3 and "同意（成员3）" in rows.last.inner_text()
    assert page.locator("[data-testid=minutes-pdf]").is_visible()
    page.goto(f"/acceptances/{acceptance['id']}?lang=en")
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
