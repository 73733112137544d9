"""One application walked through the browser (issue 20 items 1, 2, 6; seed 003 §5(1)1②, §5(2)1–3): commerce
publishes a call from the project page, the enterprise applies on it from its desk, commerce reviews it with a
panel of three and a site visit, finance re-checks, commerce publicises the proposed subsidy and closes the
notice, the leader awards — each by clicking, each on the desk of the bureau whose turn it is, in Chinese and in
English. The pictures are kept as ``screenshots/application-*.png``.
"""

from datetime import datetime, timedelta
from typing import Any

from disburse.domain.notice import local_date
from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import CODE_C, COMMERCE, FINANCE, LEADER, PAYEE_BANK, Flow

ENTERPRISE = "xp-enterprise-c"
COMMERCE_2 = "xp-commerce-2"
FINANCE_2 = "xp-finance-2"
ACCOUNT = "6228 4801 5555 0000 333"
APPLICANT = "XX县供应链管理有限公司"
PANEL = (("张三", "县商务局"), ("李四", "县财政局"), ("王五", "县农业农村局"))
#: What an official must never read on these pages: workflow codes, the spec's vocabulary (a one-word code is
#: plain English on an English page, so those are looked for on the Chinese pages).
RAW = ("under_review", "notice_clear", "in_notice", "SPEC", "seed", "None")
RAW_ZH = ("submitted", "rechecked", "awarded", "approved", "disbursed", "requested", "verified")


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def state(page: Any) -> str:
    return str(page.locator("h1 .state").inner_text())


def looks_official(page: Any, lang: str) -> None:
    """No workflow code, no "SPEC"/"seed" in what the page says; in English no Han in its chrome."""
    text = page.locator("main").inner_text()
    for raw in RAW + (RAW_ZH if lang == "zh" else ()):
        assert raw not in text, (raw, page.url)
    if lang == "en":
        assert not HAN.findall(chrome_text(page)), (page.url, HAN.findall(chrome_text(page))[:20])


def both_languages(live: Live, page: Any, path: str, name: str) -> None:
    for lang in ("en", "zh"):
        page.goto(f"{path}?lang={lang}")
        settle(page)
        looks_official(page, lang)
        live.shot(page, f"screenshots/application-{name}-{lang}")


def fire(page: Any, event: str) -> None:
    page.locator(f"[data-testid=event-{event}]").click()
    settle(page)


def test_an_application_goes_from_the_enterprise_to_the_paid_subsidy_by_clicking(live: Live, flow: Flow) -> None:
    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    flow.user(COMMERCE_2, "commerce")
    flow.user(FINANCE_2, "finance")
    project = flow.fire_ok(flow.create_project()["id"], "file")
    flow.funds_arrived(project)
    line = project["lines"][3]

    # commerce publishes the call from the project page; a total above the line is refused with the form kept
    commerce = live.login(COMMERCE)
    commerce.goto(f"/projects/{project['id']}#calls")
    form = commerce.locator("[data-testid=call-form]")
    form.locator("summary").click()
    assert "依法在本县登记注册" in form.locator("textarea[name=conditions]").input_value()
    form.locator("input[name=title]").fill("2024年农村电商服务站建设项目申报")
    form.locator(f"input[name=line_ids][value='{line['id']}']").check()
    form.locator("input[name=total]").fill("9999万")
    form.locator("input[name=deadline]").fill("2024-12-31")
    with commerce.expect_response(lambda r: r.url.endswith("/calls")) as answer:
        form.locator("[data-testid=open-call]").click()
    assert answer.value.status == 409
    assert "超过所选预算行" in commerce.locator(".flash.refusal").inner_text()
    form = commerce.locator("[data-testid=call-form]")
    assert form.locator("input[name=title]").input_value() == "2024年农村电商服务站建设项目申报"
    form.locator("input[name=total]").fill("100万")
    form.locator("[data-testid=open-call]").click()
    settle(commerce)
    assert "/calls/" in commerce.url and "1,000,000.00 元" in commerce.locator("[data-testid=call-total]").inner_text()
    call_path = commerce.url.split("?")[0].split("#")[0].removeprefix(live.base)
    both_languages(live, commerce, call_path, "call")

    # the enterprise finds the call on its desk and applies; without its declarations it is refused, nothing lost
    enterprise = live.login(ENTERPRISE)
    enterprise.locator("[data-testid=open-calls] a", has_text="我要申报").first.click()
    settle(enterprise)
    apply = enterprise.locator("[data-testid=apply-form]")
    assert apply.locator("input[name='applicant.credit_code']").input_value() == CODE_C
    apply.locator("input[name='applicant.name']").fill(APPLICANT)
    apply.locator("input[name=amount_requested]").fill("60万")
    apply.locator("textarea[name=description]").fill("建设村级电商服务站 10 个，2024年12月前建成")
    with enterprise.expect_response(lambda r: r.url.endswith("/applications")) as answer:
        apply.locator("[data-testid=submit-application]").click()
    assert answer.value.status == 409
    refusal = enterprise.locator(".flash.refusal").inner_text()
    assert "未声明具有独立法人资格" in refusal and "五(二)1" in refusal
    apply = enterprise.locator("[data-testid=apply-form]")
    assert apply.locator("input[name=amount_requested]").input_value() == "60万"
    for box in apply.locator("[data-testid=declarations] input[type=checkbox]").all():
        box.check()
    apply.locator("[data-testid=submit-application]").click()
    settle(enterprise)
    assert state(enterprise) == "已申报"
    assert "600,000.00 元" in enterprise.locator("[data-testid=requested]").inner_text()
    application_path = enterprise.url.split("?")[0].removeprefix(live.base)
    live.shot(enterprise, "screenshots/application-submitted")

    # commerce: on its desk to review; starts the review and records it with a panel of three and a site visit
    commerce.goto("/desk")
    queue = commerce.locator("[data-testid=application-queue]")
    assert queue.locator("[data-testid=count-submitted]").inner_text() == "1"
    live.shot(commerce, "screenshots/application-commerce-desk")
    queue.locator(f"a[href='{application_path}']").click()
    settle(commerce)
    fire(commerce, "start_review")
    assert state(commerce) == "评审中"
    review = commerce.locator("[data-testid=review-form]")
    for i, (name, bureau) in enumerate(PANEL):
        review.locator(f"input[name='panel.{i}.name']").fill(name)
        assert review.locator(f"input[name='panel.{i}.bureau']").input_value() == bureau  # offered by default
        if i < 2:
            review.locator(f"input[name='panel.{i}.no_conflict']").check()
    review.locator("textarea[name='site_visit.note']").fill("现场核实服务站选址与申报材料一致")
    review.locator("select[name=verdict]").select_option("pass")
    review.locator("input[name=proposed_subsidy]").fill("50万")
    with commerce.expect_response(lambda r: r.url.endswith("/events")) as answer:
        fire(commerce, "review")
    assert answer.value.status == 422  # 王五 has not declared: refused in Chinese with the clause, rows kept
    assert "评审组成员“王五”未声明与申报企业无利害关系" in commerce.locator(".flash.refusal").inner_text()
    review = commerce.locator("[data-testid=review-form]")
    assert review.locator("input[name='panel.2.name']").input_value() == "王五"
    assert review.locator("input[name=proposed_subsidy]").input_value() == "50万"
    live.shot(commerce, "screenshots/application-review-refused")
    review.locator("input[name='panel.2.no_conflict']").check()
    live.dialogs.clear()
    fire(commerce, "review")
    assert live.dialogs and "评审结果记录后不能修改" in live.dialogs[0]
    assert state(commerce) == "评审通过"
    assert commerce.locator("[data-testid=panel-members] tbody tr").count() == 3
    assert "500,000.00 元" in commerce.locator("[data-testid=proposed]").inner_text()

    # finance: re-checks from its desk (someone other than the reviewer)
    finance = live.login(FINANCE)
    finance.locator(f"[data-testid=application-queue] a[href='{application_path}']").click()
    settle(finance)
    finance.locator("form.action[data-event=finance_recheck] textarea[name=note]").fill("经复核，评审结果属实")
    fire(finance, "finance_recheck")
    assert state(finance) == "财政已复核"

    # commerce publishes the notice with the proposed subsidy; closing it waits for its end
    commerce.goto("/desk")
    assert commerce.locator("[data-testid=count-rechecked]").inner_text() == "1"
    commerce.goto(application_path)
    fire(commerce, "publish")
    assert state(commerce) == "公示中"
    assert "500,000.00 元" in commerce.locator("[data-testid=notice]").inner_text()
    assert commerce.locator("[data-testid=notice-ends]").inner_text().endswith("24:00")
    assert commerce.locator("[data-testid=blocked-close_notice] .unmet li").count() >= 1
    ends = datetime.fromisoformat(flow.ok(flow.get(f"/applications/{application_path.rsplit('/', 1)[1]}"))
                                  ["notice"]["ends_at"])
    flow.set_clock(ends + timedelta(hours=1))
    commerce.reload()
    fire(commerce, "close_notice")
    assert state(commerce) == "公示期满"

    # the leader awards from its desk
    leader = live.login(LEADER)
    assert leader.locator("[data-testid=count-notice_clear]").inner_text() == "1"
    leader.locator(f"[data-testid=application-queue] a[href='{application_path}']").click()
    settle(leader)
    live.dialogs.clear()
    fire(leader, "award")
    assert live.dialogs and "批准后补助资金即予安排" in live.dialogs[0]
    assert state(leader) == "已批准补助"
    assert "500,000.00 元" in leader.locator("[data-testid=awarded]").inner_text()
    steps = [r.get_attribute("data-action") for r in leader.locator("[data-testid=steps] tbody tr").all()]
    assert steps == ["application.submit", "application.start_review", "application.review",
                     "application.finance_recheck", "application.publish", "application.close_notice",
                     "application.award"]
    both_languages(live, leader, application_path, "awarded")
    both_languages(live, commerce, call_path, "call-awarded")

    # after the work is built: the enterprise applies for its acceptance from the application page; before the
    # acceptance is approved a subsidy is refused with the clause
    enterprise.goto(application_path)
    assert enterprise.locator("[data-testid=agreement-link]").count() == 1
    enterprise.locator("[data-testid=request-subsidy] input[name=amount]").fill("50万")
    with enterprise.expect_response(lambda r: r.url.endswith("/payments")) as answer:
        enterprise.locator("[data-testid=submit-subsidy]").click()
    assert answer.value.status == 409
    assert enterprise.locator(".flash.refusal .unmet li").count() >= 1
    enterprise.locator("[data-testid=apply-acceptance] textarea[name=note]").fill("服务站已建成投运")
    enterprise.locator("[data-testid=submit-acceptance]").click()
    settle(enterprise)
    assert "/acceptances/" in enterprise.url
    acceptance = int(enterprise.url.split("?")[0].rsplit("/", 1)[1])
    # the acceptance's own steps (reviewed, re-checked, publicised, approved) are the acceptance pages' tests
    flow.act_ok(acceptance, "start_review")
    flow.act_ok(acceptance, "pass", verdicts=[{"line_id": line["id"], "result": "pass",
                                               "accepted_amount": "450000.00", "note": "按实际建成站点核定"}])
    noticed = flow.publish(acceptance)
    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    flow.act_ok(acceptance, "close_notice")
    flow.act_ok(acceptance, "approve", LEADER)

    # the subsidy: requested by the enterprise within what was accepted, verified, approved and disbursed by
    # three more people
    enterprise.goto(application_path)
    acceptance_row = enterprise.locator(f"[data-testid=agreement-acceptances] [data-acceptance='{acceptance}']")
    assert "领导小组已审定" in acceptance_row.inner_text()
    assert enterprise.locator("[data-testid=apply-acceptance]").count() == 0  # applied for once, accepted
    enterprise.locator("[data-testid=request-subsidy] input[name=amount]").fill("45万")
    enterprise.locator("[data-testid=submit-subsidy]").click()
    settle(enterprise)
    assert "/payments/" in enterprise.url
    payment_path = enterprise.url.split("?")[0].removeprefix(live.base)
    checker = live.login(COMMERCE_2)
    checker.goto(payment_path)
    fire(checker, "verify")
    finance.goto(payment_path)
    fire(finance, "approve")
    commerce.goto(application_path)
    commerce.locator("[data-testid=agreement-link]").click()
    settle(commerce)
    assert commerce.locator("h1").inner_text().startswith("补助协议：")  # the agreement's name
    assert commerce.locator(f"[data-testid=agreement-of] a[href='{application_path}']").count() == 1
    kinds = commerce.locator("[data-testid=request-payment] select[name=kind] option").all_inner_texts()
    assert kinds == ["补助资金"]  # an agreement pays the subsidy only
    live.shot(commerce, "screenshots/application-agreement")
    payee = commerce.locator("[data-testid=record-payee]")
    payee.locator("input[name=payee_bank]").fill(PAYEE_BANK)
    payee.locator("input[name=payee_account]").fill(ACCOUNT)
    payee.locator("button[type=submit]").click()
    settle(commerce)
    cashier = live.login(FINANCE_2)
    cashier.goto(payment_path)
    form = cashier.locator("form.action[data-event=disburse]")
    form.locator("input[name=voucher_no]").fill("ZF-2024-101")
    form.locator("input[name=disbursed_on]").fill(local_date(flow.clock.now()).isoformat())
    fire(cashier, "disburse")
    assert state(cashier) == "已拨付"
    paid = flow.ok(flow.get(payment_path))
    assert len({paid[f"{s}_by"] for s in ("requested", "verified", "approved", "disbursed")}) == 4

    enterprise.goto(application_path)
    row = enterprise.locator("[data-testid=agreement-payments] tbody tr").first
    assert "450,000.00 元" in row.inner_text() and "已拨付" in row.inner_text()
    both_languages(live, enterprise, application_path, "paid")
    both_languages(live, enterprise, "/desk/contractor", "enterprise-desk")
