"""The whole story by clicking, in Chinese (issue 7, the first "done when"):

a commerce user files a plan and publishes an acceptance notice; a member of the public objects on the
public page; commerce dismisses the objection; the leading group approves; finance approves and
disburses the stage payment — and the inspector's audit trail browser then shows each step.

Steps that the issue does not ask to click (opening the tender, signing contracts, the contractor's
application and commerce's review) are taken through the API, as those users' own tools would.
"""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.browser.conftest import Live
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, INSPECTOR, LEADER, TENDER, Flow

PLAN_003 = Path(__file__).resolve().parents[2] / "examples" / "plans" / "003-xx-2024.yaml"
FINANCE_2 = "xp-finance-2"
COMMERCE_2 = "xp-commerce-2"  # who recorded the verdict may not verify its payment (SPEC §5.3)
OBJECTION = "公共服务中心尚未对外开放，请核实验收材料。"


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def test_from_plan_to_disbursed_stage_payment_by_clicking_in_chinese(live: Live, flow: Flow, app: Any) -> None:
    app.config["OBJECTION_MIN_SECONDS"] = 0
    flow.user(FINANCE_2, "finance")
    flow.user(COMMERCE_2, "commerce")

    # commerce: the plan in, filed
    commerce = live.login(COMMERCE)
    commerce.click("[data-testid=new-project]")
    commerce.fill("[data-testid=plan-text]", PLAN_003.read_text(encoding="utf-8"))
    commerce.click("[data-testid=create-project]")
    commerce.wait_for_url("**/projects/*")
    project_id = int(commerce.url.rstrip("/").rsplit("/", 1)[1])
    commerce.click("[data-testid=event-file]")
    settle(commerce)
    assert commerce.locator("h1 .state").inner_text() == "已报备"

    # finance records the 1000万 that arrived (seed 003 §5(1)4: 已到位) on the project page
    finance = live.login(FINANCE)
    finance.goto(f"/projects/{project_id}")
    finance.click("[data-testid=allocation-form] summary")
    finance.fill("[data-testid=allocation-form] input[name=doc_no]", "X财外指〔2024〕1号")
    finance.fill("[data-testid=allocation-form] input[name=amount]", "10000000.00")
    finance.click("[data-testid=record-allocation]")
    settle(finance)
    assert "1000万元" in finance.locator("[data-testid=allocations]").inner_text()

    # tender, contracts, selection, the contractor's application and the review: through the API
    flow.fire_ok(project_id, "open_tender", **TENDER)
    project = flow.project(project_id)
    contract = flow.contract_a(project)
    flow.contract_b(project)
    flow.fire_ok(project_id, "select_contractor")
    passed = flow.passed(project, contract, CONTRACTOR_A)
    flow.act_ok(passed, "finance_recheck", FINANCE, note="经复核，评审结果属实")  # seed 003 §5(2)3①

    # commerce publishes the notice by clicking
    commerce.goto(f"/acceptances/{passed['id']}")
    commerce.click("[data-testid=event-publish]")
    settle(commerce)
    assert commerce.locator("h1 .state").inner_text() == "公示中"
    notice = flow.acceptance(passed["id"])["notice"]

    # a member of the public objects on the public page, without logging in
    public = live.page()
    public.goto("/public")
    public.click(f"[data-testid=public-project-{project_id}]")
    public.click(f"[data-testid=notice-{notice['id']}]")
    public.fill("[data-testid=objection-contact]", "13800000000")
    public.fill("[data-testid=objection-content]", OBJECTION)
    public.click("[data-testid=objection-submit]")
    assert "您的异议已提交" in public.locator(".flash.success").inner_text()

    # the notice period ends; commerce dismisses the objection with its reasons
    flow.set_clock(datetime.fromisoformat(notice["ends_at"]) + timedelta(hours=1))
    commerce.goto(f"/acceptances/{passed['id']}")
    assert commerce.locator("h1 .state").inner_text() == "公示有异议"
    resolve = commerce.locator("form.resolve").first
    resolve.locator("select[name=decision]").select_option("dismiss")
    resolve.locator("textarea[name=note]").fill("经现场核查，公共服务中心已建成，验收材料属实。")
    resolve.locator("[data-testid=event-resolve_objection]").click()
    settle(commerce)
    assert commerce.locator("h1 .state").inner_text() == "公示无异议"

    # the leading group approves from its desk
    leader = live.login(LEADER)
    leader.locator(f"[data-testid=waiting-{passed['id']}] [data-testid=event-approve]").click()
    settle(leader)
    assert "领导小组已审定" in leader.locator(".flash").inner_text()

    # the stage payment: requested by the contractor and verified by commerce (API), then finance clicks
    stage = flow.ok(flow.post(f"/contracts/{contract['id']}/payments",
                              {"kind": "stage", "amount": "500000.00", "acceptance_id": passed["id"]},
                              CONTRACTOR_A), 201)
    flow.ok(flow.post(f"/payments/{stage['id']}/events", {"event": "verify"}, COMMERCE_2))
    finance = live.login(FINANCE)
    finance.locator(f"[data-testid=queue-item-{stage['id']}] [data-testid=event-approve]").click()
    settle(finance)
    assert "已批准" in finance.locator(".flash").inner_text()
    treasurer = live.login(FINANCE_2)
    item = treasurer.locator(f"[data-testid=queue-item-{stage['id']}]")
    item.locator("[data-testid=voucher_no]").fill("2024-ZF-0101")
    item.locator("[data-testid=disbursed_on]").fill("2024-10-11")
    item.locator("[data-testid=event-disburse]").click()
    settle(treasurer)
    assert "已拨付" in treasurer.locator(".flash").inner_text()
    assert flow.ok(flow.get(f"/payments/{stage['id']}", FINANCE))["state"] == "disbursed"

    # the inspector's audit trail shows every step, and the log verifies
    inspector = live.login(INSPECTOR)
    inspector.fill("[data-testid=filter-project]", str(project_id))
    inspector.click("[data-testid=filter-submit]")
    seen: list[str] = []
    while True:
        rows = inspector.locator("[data-testid=audit-entries] tbody tr")
        seen += [rows.nth(i).get_attribute("data-action") or "" for i in range(rows.count())]
        following = inspector.locator("[data-testid=audit-older]")
        if not following.count():
            break
        following.first.click()
        settle(inspector)
    for step in ("project.file", "acceptance.publish", "objection.file", "acceptance.resolve_objection",
                 "acceptance.approve", "payment.approve", "payment.disburse"):
        assert step in seen, (step, seen)
    inspector.goto("/audit")
    inspector.click("[data-testid=verify-log]")
    assert "审计日志校验通过" in inspector.locator(".flash.verified").inner_text()
    live.shot(inspector, "story-audit")
