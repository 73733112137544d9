"""The commerce and supervisor desks and the project page, clicked through in Chromium (issue 7)."""

from disburse.services import scheduling
from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import COMMERCE, SUPERVISOR, Flow
from tests.helpers import example, plan_path

PLAN_003 = plan_path("003")


def test_commerce_pastes_seed_003_sees_the_plan_in_yuan_and_wan_and_files_it(live: Live, flow: Flow) -> None:
    page = live.login(COMMERCE)
    assert page.url.endswith("/desk")
    page.click("[data-testid=new-project]")
    page.fill("[data-testid=plan-text]", PLAN_003.read_text(encoding="utf-8"))
    page.click("[data-testid=create-project]")
    page.wait_for_url("**/projects/*")
    assert page.locator("h1 .state").get_attribute("data-state") == "plan_drafted"
    plan = page.locator("[data-testid=plan]")
    assert plan.locator("tr[data-line]").count() == 5
    assert plan.locator("tr[data-subtotal]").count() == 5  # one category per line in seed 003
    first = plan.locator("tr[data-subtotal]").first.inner_text()
    assert "小计" in first and "150万元" in first and "1,500,000.00 元" in first
    total = plan.locator("tr[data-total]").inner_text()
    assert "1000万元" in total and "10,000,000.00 元" in total
    assert "完善农村电子商务公共服务体系" in plan.inner_text()
    assert "2024-12-31" in plan.inner_text() and "县电商办" in plan.inner_text()
    page.click("[data-testid=event-file]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").get_attribute("data-state") == "filed"
    assert page.locator("h1 .state").inner_text() == "已报备"
    assert "已报备" in page.locator(".flash.success").inner_text()
    assert page.locator("[data-testid=workflow-diagram] g.current").get_attribute("data-state") == "filed"


def test_a_plan_uploaded_as_a_file_creates_the_project(live: Live, flow: Flow) -> None:
    page = live.login(COMMERCE)
    page.goto("/projects/new")
    page.set_input_files("[data-testid=plan-file]", str(PLAN_003))
    page.click("[data-testid=create-project]")
    page.wait_for_url("**/projects/*")
    assert "XX县创建国家级电子商务进农村综合示范县工作实施方案" in page.locator("h1").inner_text()


def test_a_blocked_event_shows_its_unmet_reasons_with_their_clauses(live: Live, flow: Flow) -> None:
    project = flow.tendered_project()
    broken = example("003")
    broken["lines"][4]["amount"] = "90"  # the lines no longer sum to the total
    drafted = flow.ok(flow.post("/projects", broken), 201)
    page = live.login(COMMERCE)
    page.goto(f"/projects/{project['id']}")
    blocked = page.locator("[data-testid=blocked-select_contractor]")
    assert blocked.locator("button").is_disabled()
    reason = blocked.locator("li[data-code=no_contract]")
    assert reason.inner_text().startswith("尚未签订任何合同")
    assert reason.locator("cite").inner_text() == "本系统办理规则（无文件条款）"
    assert page.locator("[data-testid=event-select_contractor]").count() == 0
    page.goto(f"/projects/{drafted['id']}")
    reason = page.locator("[data-testid=blocked-file] li[data-code=lines_sum_mismatch]")
    assert "9,900,000.00 元（990万元）" in reason.inner_text() and reason.locator("cite").inner_text()


def test_the_supervisor_sees_no_commerce_button_and_its_desk(live: Live, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    flow.fire_ok(pid, "file")
    flow.selected_project()
    page = live.login(SUPERVISOR)
    assert page.url.endswith("/desk")
    assert page.locator("[data-testid=desk-projects] tr[data-project]").count() == 2
    assert page.locator("[data-testid=new-project]").count() == 0
    live.shot(page, "home-supervisor")
    page.goto(f"/projects/{pid}")
    buttons = page.locator("[data-testid^=event-]")
    assert [buttons.nth(i).get_attribute("data-testid") for i in range(buttons.count())] == [
        "event-return_for_revision"]
    assert page.locator("[data-testid^=blocked-]").count() == 0
    assert page.locator("[data-testid=report-form], [data-testid=contract-form]").count() == 0
    page.fill("form[data-event=return_for_revision] textarea[name=note]", "请按市局意见细化培训内容")
    page.click("[data-testid=event-return_for_revision]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").get_attribute("data-state") == "plan_drafted"


def test_the_commerce_desk_and_the_project_page_in_english_and_on_a_phone(live: Live, flow: Flow) -> None:
    project, _, _ = flow.selected_project()
    flow.create_project()
    scheduling.tick(flow.db, flow.clock.now())  # this month's report reminders reach the inbox
    page = live.login(COMMERCE)
    assert page.locator(".desk-inbox li[data-kind]").count() >= 1
    assert page.locator("[data-testid=desk-projects] tr[data-project]").count() == 2
    assert page.locator("[data-testid=county-totals]").inner_text().count("霞浦县") == 1
    live.shot(page, "home-commerce")
    page.goto(f"/projects/{project['id']}")
    assert page.locator("[data-testid=contracts] tr[data-contract]").count() == 2
    live.shot(page, "project-detail")
    page.click("[data-testid=lang-en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h2#h-plan").inner_text() == "The plan: budget lines and funds"
    text = chrome_text(page)
    assert not HAN.findall(text), text
    live.shot(page, "project-detail-en")
    for path in ("/desk", "/projects", "/projects/new", "/reports/late?month=2024-09"):
        page.goto(path)
        assert not HAN.findall(chrome_text(page)), (path, chrome_text(page))
    page.goto("/desk")
    page.click("[data-testid=lang-zh]")
    assert page.locator("h1").inner_text().startswith("工作台")

    phone = live.login(COMMERCE, live.page(width=375, height=800))
    for path, shot in ((f"/projects/{project['id']}", "project-detail-phone"), ("/desk", "home-commerce-phone"),
                       ("/projects", None), ("/projects/new", None)):
        phone.goto(path)
        if shot:
            live.shot(phone, shot)
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)


def test_a_progress_report_is_submitted_from_the_project_page(live: Live, flow: Flow) -> None:
    project = flow.tendered_project()
    page = live.login(COMMERCE)
    page.goto(f"/projects/{project['id']}")
    assert page.locator("[data-testid=report-form] input[name=month]").input_value() == "2024-09"
    page.fill("[data-testid=report-form] textarea[name=text]", "完成招标公告发布，组织现场答疑")
    page.click("[data-testid=submit-report]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=reports] tr[data-month='2024-09']").count() == 1
    page.goto("/reports/late?month=2024-09")
    row = page.locator(f"[data-testid=late-reports] tr[data-project='{project['id']}']")
    assert row.get_attribute("data-report") == "submitted"
