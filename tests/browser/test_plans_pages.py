"""Plans that live in Chromium (issue 16): the supervisor reads an amendment's changes and approves it after
confirming, the project page shows its versions and funds arrived, in Chinese and in English."""

from typing import Any

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import COMMERCE, FINANCE, SUPERVISOR, Flow


def proposed(flow: Flow) -> tuple[dict[str, Any], dict[str, Any]]:
    project = flow.tendered_project()
    plan = Flow.plan_of(project)
    plan["lines"][3]["amount"], plan["lines"][4]["amount"] = "50", "150"
    amendment = flow.ok(flow.post(f"/projects/{project['id']}/amendments",
                                  {"plan": plan, "reason": "按市商务局意见调整"}), 201)
    return project, amendment


def test_the_supervisor_confirms_before_an_amendment_is_approved_and_version_2_shows(live: Live, flow: Flow) -> None:
    project, amendment = proposed(flow)
    page = live.login(SUPERVISOR)
    page.goto(f"/amendments/{amendment['id']}")
    diff = page.locator("[data-testid=diff]")
    assert diff.locator("tr[data-path]").count() == 2
    assert "100万元" in diff.inner_text() and "1,500,000.00 元" in diff.inner_text()
    live.shot(page, "amendment-zh")

    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.click("[data-testid=event-approve]")
    page.wait_for_timeout(300)
    assert dialogs and "现行版本" in dialogs[0]
    assert flow.ok(flow.get(f"/amendments/{amendment['id']}", SUPERVISOR))["state"] == "proposed"  # dismissed

    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=event-approve]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").get_attribute("data-state") == "approved"

    page.goto(f"/projects/{project['id']}")
    assert page.locator("[data-testid=plan-version]").inner_text() == "第 2 版"
    assert page.locator("[data-testid=versions] tr[data-version]").count() == 2
    page.locator("[data-testid=versions] tr[data-version='1'] a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=old-version]").is_visible()

    page.goto(f"/amendments/{amendment['id']}?lang=en")
    assert not HAN.search(chrome_text(page)), chrome_text(page)
    live.shot(page, "amendment-en")


def test_finance_records_an_arrival_on_the_project_page(live: Live, flow: Flow) -> None:
    filed = flow.fire_ok(flow.create_project()["id"], "file")
    page = live.login(FINANCE)
    page.goto(f"/projects/{filed['id']}")
    page.click("[data-testid=allocation-form] summary")
    page.fill("[data-testid=allocation-form] input[name=doc_no]", "X财外指〔2024〕1号")
    page.fill("[data-testid=allocation-form] input[name=amount]", "1000000.00")
    page.fill("[data-testid=allocation-form] input[name=arrived_on]", "2024-09-01")
    page.click("[data-testid=record-allocation]")
    page.wait_for_load_state("networkidle")
    funds = page.locator("[data-testid=funds]").inner_text()
    assert "100万元" in funds and "900万元" in funds
    assert "X财外指〔2024〕1号" in page.locator("[data-testid=allocations]").inner_text()
    page.locator("#funds").scroll_into_view_if_needed()
    live.shot(page, "project-funds-zh")
    page.goto(f"/projects/{filed['id']}?lang=en")
    assert not HAN.search(chrome_text(page).replace("万元", "")), chrome_text(page)
    commerce = live.login(COMMERCE)
    commerce.goto(f"/projects/{filed['id']}")
    assert commerce.locator("[data-testid=allocation-form]").count() == 0
