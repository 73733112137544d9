"""An acceptance worked through by commerce in a browser (issue 7; SPEC §5.2): review with a verdict per
line, the public notice, an objection from the public dismissed with reasons."""

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, Flow


def test_commerce_gives_verdicts_publishes_and_dismisses_an_objection_by_clicking(live: Live, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    first, second = a["line_ids"]
    page = live.login(COMMERCE)
    page.goto(f"/acceptances/{acceptance['id']}")
    assert page.locator("[data-testid=event-approve]").count() == 0  # the leader's step never shows here
    page.locator("[data-testid=event-start_review]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").inner_text() == "评审中"
    page.goto(f"/acceptances/{acceptance['id']}?lang=en")  # the verdict form has English chrome too
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
    page.goto(f"/acceptances/{acceptance['id']}?lang=zh")

    form = page.locator("[data-testid=verdict-form]")
    # each line the acceptance covers comes with its budget filled in; a reduction (核减) says why
    assert form.locator(f"input[name=accepted-{second}]").input_value() == "5000000.00"
    form.locator(f"input[name=accepted-{first}]").fill("600000.00")
    form.locator(f"input[name=vnote-{first}]").fill("核减：服务中心只建成一处")
    with page.expect_response(lambda r: r.url.endswith("/events")) as answer:
        form.locator(f"input[name=accepted-{second}]").fill("")
        form.locator(f"input[name=accepted-{second}]").evaluate("e => e.removeAttribute('required')")
        form.locator("[data-testid=event-pass]").click()
    assert answer.value.status == 422  # a line without its accepted amount: nothing recorded, nothing lost
    form = page.locator("[data-testid=verdict-form]")
    assert form.locator(f"input[name=accepted-{first}]").input_value() == "600000.00"
    assert form.locator(f".field-error[data-field=accepted-{second}]").is_visible()
    form.locator(f"input[name=accepted-{second}]").fill("2000000.00")
    form.locator(f"input[name=vnote-{second}]").fill("核减：供应链中心按实际完成量核定")
    form.locator("[data-testid=event-pass]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").inner_text() == "验收合格"
    assert "2,600,000.00 元" in page.locator("[data-testid=accepted-total]").inner_text()
    assert page.locator("[data-testid=verdicts] tbody tr").count() == 2

    # xx-2024: the finance bureau re-checks the result before it is published (seed 003 §5(2)3①)
    assert page.locator("[data-testid=blocked-publish] .unmet li").count() >= 1
    finance = live.login(FINANCE)
    finance.goto(f"/acceptances/{acceptance['id']}")
    finance.locator("form.action[data-event=finance_recheck] textarea[name=note]").fill("经复核，评审结果属实")
    finance.locator("[data-testid=event-finance_recheck]").click()
    finance.wait_for_load_state("networkidle")
    assert finance.locator("h1 .state").inner_text() == "财政已复核"
    assert "经复核，评审结果属实" in finance.locator("[data-testid=recheck]").inner_text()
    page.reload()
    page.locator("[data-testid=event-publish]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").inner_text() == "公示中"
    assert page.locator("[data-testid=notice-ends]").inner_text() == "2024-10-10 24:00"
    # the notice has not ended: closing it is not yet possible, and the page says why
    assert page.locator("[data-testid=blocked-close_notice] .unmet li").count() >= 1

    assert flow.object_to(flow.acceptance(acceptance["id"])).status_code == 201
    page.reload()
    assert page.locator("h1 .state").inner_text() == "公示有异议"
    resolve = page.locator("form.resolve").first
    resolve.locator("select[name=decision]").select_option("dismiss")
    resolve.locator("textarea[name=note]").fill("经现场核查，建设内容与验收材料一致。")
    resolve.locator("[data-testid=event-resolve_objection]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").inner_text() == "公示中"
    assert "驳回异议" in page.locator("[data-testid=objections]").inner_text()
    actions = [r.get_attribute("data-action") for r in page.locator("[data-testid=steps] tbody tr").all()]
    assert actions == ["acceptance.apply", "acceptance.start_review", "acceptance.pass", "acceptance.finance_recheck",
                       "acceptance.publish",
                       "acceptance.object", "acceptance.resolve_objection"]
    live.shot(page, "money-acceptance")
