"""The application track's pages through the test client (issue 20 items 1, 2, 6): a refused form is shown again
with what was typed and each field's error in the page's language (422), a step not possible yet says why with
the official clause (409), and nothing is written by a refusal.

Seed 003 §5(1)1② (项目申报通知), §5(2)1 (who may apply), §5(2)3① (the joint review).
"""

from typing import Any

import pytest
from sqlalchemy import text

from tests.e2e.test_applications import ENTERPRISE, PANEL, VISIT, act_ok, apply, filed, in_notice, open_call
from tests.e2e.test_projects_ui import logged_in
from tests.flow import CODE_A, CODE_C, COMMERCE, COUNTY, FINANCE, LEADER, NAME_C, Flow, with_wrong_check_digit


@pytest.fixture
def flow(flow: Flow) -> Flow:
    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    return flow


def count(flow: Flow, table: str) -> int:
    with flow.db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def call_of(flow: Flow) -> tuple[dict[str, Any], dict[str, Any]]:
    project = filed(flow)
    return project, flow.ok(open_call(flow, project, 4, "1000000.00"), 201)


def test_commerce_opens_a_call_from_the_project_page_and_a_bad_total_is_refused_with_the_form_kept(
        app: Any, flow: Flow) -> None:
    project = filed(flow)
    client, token = logged_in(app, COMMERCE)
    page = client.get(f"/projects/{project['id']}").get_data(as_text=True)
    assert 'data-testid="call-form"' in page and "依法在本县登记注册" in page  # the conditions prefilled
    line = project["lines"][3]["id"]
    form = {"csrf_token": token, "title": "电商扶贫项目申报", "line_ids": str(line), "total": "一百万",
            "deadline": "2024-12-31", "conditions": "依法在本县登记注册\n具有独立法人资格", "materials": "营业执照"}
    refused = client.post(f"/projects/{project['id']}/calls", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="total"' in html
    assert "电商扶贫项目申报" in html and "一百万" in html  # what was typed is kept
    assert count(flow, "calls") == 0
    above = client.post(f"/projects/{project['id']}/calls", data={**form, "total": "1000万"})
    assert above.status_code == 409 and "超过所选预算行" in above.get_data(as_text=True)
    assert "五(一)1②" in above.get_data(as_text=True)  # the clause
    opened = client.post(f"/projects/{project['id']}/calls", data={**form, "total": "100万"})
    assert opened.status_code == 302 and "/calls/" in opened.headers["location"]
    call = client.get(opened.headers["location"]).get_data(as_text=True)
    assert "1,000,000.00 元" in call and "100万元" in call and "2024-12-31" in call
    listed = client.get(f"/projects/{project['id']}").get_data(as_text=True)
    assert 'data-call="' in listed and "电商扶贫项目申报" in listed


def test_an_application_with_a_wrong_credit_code_or_no_declarations_is_refused_and_kept(
        app: Any, flow: Flow) -> None:
    _, call = call_of(flow)
    client, token = logged_in(app, COMMERCE)
    form = {"csrf_token": token, "applicant.name": NAME_C, "applicant.credit_code": with_wrong_check_digit(CODE_C),
            "applicant.region": COUNTY, "declarations.independent_legal_person": "on",
            "declarations.sound_accounting": "on", "declarations.no_violation_3y": "on",
            "amount_requested": "60万", "description": "建设村级电商服务站 10 个"}
    wrong = client.post(f"/calls/{call['id']}/applications", data=form)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and 'data-field="applicant.credit_code"' in html and "校验码错误" in html
    assert "建设村级电商服务站 10 个" in html and "60万" in html
    undeclared = {k: v for k, v in form.items() if not k.startswith("declarations.")}
    refused = client.post(f"/calls/{call['id']}/applications", data={**undeclared, "applicant.credit_code": CODE_C})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "未声明具有独立法人资格" in html and "五(二)1" in html
    assert count(flow, "applications") == 0
    done = client.post(f"/calls/{call['id']}/applications", data={**form, "applicant.credit_code": CODE_C})
    assert done.status_code == 302
    page = client.get(done.headers["location"]).get_data(as_text=True)
    assert "600,000.00" in page and "已申报" in page and "submitted</span>" not in page


def test_an_enterprise_applies_only_in_its_own_name(app: Any, flow: Flow) -> None:
    _, call = call_of(flow)
    client, token = logged_in(app, ENTERPRISE)
    page = client.get(f"/calls/{call['id']}").get_data(as_text=True)
    assert 'data-testid="apply-form"' in page and CODE_C in page
    form = {"csrf_token": token, "applicant.name": "别家企业", "applicant.credit_code": CODE_A,
            "declarations.independent_legal_person": "on", "declarations.sound_accounting": "on",
            "declarations.no_violation_3y": "on", "amount_requested": "100000", "description": "冒名申报"}
    refused = client.post(f"/calls/{call['id']}/applications", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "企业用户只能以本企业名义申报" in html
    assert count(flow, "applications") == 0


def test_a_review_with_an_undeclared_member_or_a_subsidy_above_the_request_is_refused_in_chinese(
        app: Any, flow: Flow) -> None:
    _, call = call_of(flow)
    application = flow.ok(apply(flow, call), 201)
    act_ok(flow, application, "start_review")
    client, token = logged_in(app, COMMERCE)
    form: dict[str, str] = {"csrf_token": token, "event": "review", "site_visit.date": VISIT["date"],
                            "site_visit.note": VISIT["note"], "verdict": "pass", "proposed_subsidy": "50万"}
    for i, member in enumerate(PANEL):
        form |= {f"panel.{i}.name": member["name"], f"panel.{i}.bureau": member["bureau"],
                 f"panel.{i}.no_conflict": "on"}
    undeclared = {k: v for k, v in form.items() if k != "panel.2.no_conflict"}
    refused = client.post(f"/applications/{application['id']}/events", data=undeclared)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "评审组成员“王五”未声明与申报企业无利害关系" in html
    assert "五(二)3①" in html and "has not declared" not in html
    assert 'value="王五"' in html and 'value="50万"' in html  # the panel as typed
    above = client.post(f"/applications/{application['id']}/events", data={**form, "proposed_subsidy": "600000.01"})
    assert above.status_code == 422 and 'data-field="proposed_subsidy"' in above.get_data(as_text=True)
    no_date = client.post(f"/applications/{application['id']}/events", data={**form, "site_visit.date": "2024/9/27"})
    assert no_date.status_code == 422 and 'data-field="site_visit.date"' in no_date.get_data(as_text=True)
    assert flow.ok(flow.get(f"/applications/{application['id']}"))["state"] == "under_review"
    done = client.post(f"/applications/{application['id']}/events", data=form)
    assert done.status_code == 302
    page = client.get(f"/applications/{application['id']}").get_data(as_text=True)
    assert "县农业农村局" in page and "500,000.00" in page and "评审通过" in page


def test_a_reject_without_a_note_is_refused_and_the_leader_cannot_award_before_the_notice(
        app: Any, flow: Flow) -> None:
    _, call = call_of(flow)
    application = flow.ok(apply(flow, call), 201)
    act_ok(flow, application, "start_review")
    client, token = logged_in(app, FINANCE)
    refused = client.post(f"/applications/{application['id']}/events", data={"csrf_token": token, "event": "reject"})
    assert refused.status_code == 422 and 'data-field="note"' in refused.get_data(as_text=True)
    leader, token = logged_in(app, LEADER)
    early = leader.post(f"/applications/{application['id']}/events", data={"csrf_token": token, "event": "award"})
    assert early.status_code == 409 and "评审中" in early.get_data(as_text=True)
    assert flow.ok(flow.get(f"/applications/{application['id']}"))["state"] == "under_review"


def test_each_bureau_desk_lists_the_applications_waiting_for_it_and_the_enterprise_sees_its_calls(
        app: Any, flow: Flow) -> None:
    _, call = call_of(flow)
    submitted = flow.ok(apply(flow, call), 201)
    reviewed = flow.ok(apply(flow, call), 201)
    act_ok(flow, reviewed, "start_review")
    act_ok(flow, reviewed, "review", panel=PANEL, site_visit=VISIT, verdict="pass", proposed_subsidy="100000.00")
    commerce, _ = logged_in(app, COMMERCE)
    desk = commerce.get("/desk").get_data(as_text=True)
    assert 'data-testid="count-submitted">1<' in desk and f'data-application="{submitted["id"]}"' in desk
    assert f'data-application="{reviewed["id"]}"' not in desk  # finance's turn
    finance, _ = logged_in(app, FINANCE)
    queue = finance.get("/desk/finance").get_data(as_text=True)
    assert 'data-testid="count-reviewed">1<' in queue and f'data-application="{reviewed["id"]}"' in queue
    leader, _ = logged_in(app, LEADER)
    assert 'data-testid="count-notice_clear">0<' in leader.get("/desk/leader").get_data(as_text=True)
    enterprise, _ = logged_in(app, ENTERPRISE)
    home = enterprise.get("/desk/contractor").get_data(as_text=True)
    assert f'data-call="{call["id"]}"' in home and f'data-application="{submitted["id"]}"' in home


def test_commerce_decides_an_objection_to_the_notice_on_the_application_page(app: Any, flow: Flow) -> None:
    """Seed 003 §5(2)3②: the public objects to the proposed subsidy; commerce dismisses the objection with its
    reasons on the page, and a decision without reasons is refused with the form kept."""
    _, call = call_of(flow)
    noticed = in_notice(flow, call)
    assert flow.object_to(noticed, content="该企业服务站尚未建成").status_code == 201
    client, token = logged_in(app, COMMERCE)
    page = client.get(f"/applications/{noticed['id']}").get_data(as_text=True)
    assert "公示有异议" in page and "该企业服务站尚未建成" in page and "13800000000" in page
    objection = flow.ok(flow.get(f"/applications/{noticed['id']}"))["notice"]["objections"][0]["id"]
    form = {"csrf_token": token, "event": "resolve_objection", "objection_id": str(objection), "decision": "dismiss"}
    refused = client.post(f"/applications/{noticed['id']}/events", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="note"' in html
    done = client.post(f"/applications/{noticed['id']}/events", data={**form, "note": "经现场核查，服务站已建成"})
    assert done.status_code == 302
    page = client.get(f"/applications/{noticed['id']}").get_data(as_text=True)
    assert "驳回异议" in page and "经现场核查，服务站已建成" in page and "公示中" in page
    enterprise, _ = logged_in(app, ENTERPRISE)
    own = enterprise.get(f"/applications/{noticed['id']}").get_data(as_text=True)
    assert "该企业服务站尚未建成" in own and "13800000000" not in own  # who objected is the bureaus' to know


def test_odd_input_on_every_form_is_refused_as_a_field_error_never_a_500(app: Any, flow: Flow) -> None:
    """Each refusal is a 422 with the field marked where the form shows it; nothing is written."""
    project, call = call_of(flow)
    application = flow.ok(apply(flow, call), 201)
    act_ok(flow, application, "start_review")
    client, token = logged_in(app, COMMERCE)
    opening = {"title": "通知", "line_ids": str(project["lines"][3]["id"]), "total": "100", "deadline": "2024-12-31"}
    applying = {"applicant.name": NAME_C, "applicant.credit_code": CODE_C, "amount_requested": "1",
                "description": "说明"}
    reviewing = {"event": "review", "panel.0.name": "张三", "panel.0.bureau": "县商务局", "panel.0.no_conflict": "on",
                 "site_visit.date": "2024-09-27", "verdict": "pass", "proposed_subsidy": "1"}
    calls, applications = f"/projects/{project['id']}/calls", f"/calls/{call['id']}/applications"
    events = f"/applications/{application['id']}/events"
    cases = [
        (calls, {**opening, "title": "标" * 300}, "title"),
        (calls, {**opening, "line_ids": "abc"}, "line_ids"),
        (calls, {**opening, "total": "-5"}, "total"),
        (calls, {**opening, "deadline": "2024-13-45"}, "deadline"),
        (applications, {**applying, "amount_requested": "1e400"}, "amount_requested"),
        (applications, {**applying, "applicant.region": "abc"}, "applicant.region"),
        (applications, {**applying, "applicant.credit_code": CODE_C * 2}, "applicant.credit_code"),
        (applications, {**applying, "document_ids": "x"}, "document_ids"),
        (events, {**reviewing, "panel.0.name": "", "panel.1.name": "张" * 100, "panel.1.bureau": "县财政局"},
         "panel.1.name"),  # the second row of the form, the first member given
        (events, {**reviewing, "verdict": "maybe"}, "verdict"),
    ]
    before = (count(flow, "calls"), count(flow, "applications"), count(flow, "payments"))
    for path, form, field in cases:
        resp = client.post(path, data={"csrf_token": token, **form})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and f'data-field="{field}"' in html, (path, field, resp.status_code)
        assert "操作未完成" in html
    odd = client.post(events, data={"csrf_token": token, "event": "resolve_objection", "objection_id": "abc",
                                     "decision": "dismiss", "note": "理由"})
    assert odd.status_code == 422 and "异议编号" in odd.get_data(as_text=True)  # named in the refusal
    unpaid = client.post(f"/applications/{application['id']}/payments", data={"csrf_token": token, "amount": "五十万"})
    assert unpaid.status_code == 422 and "金额（元）" in unpaid.get_data(as_text=True)
    assert (count(flow, "calls"), count(flow, "applications"), count(flow, "payments")) == before
    assert flow.ok(flow.get(f"/applications/{application['id']}"))["state"] == "under_review"


def test_a_per_unit_call_is_opened_from_the_form_and_shows_its_rate(app: Any, flow: Flow) -> None:
    """Seed 001 §5(4)3 每单物流补贴: a call may pay per unit; a rate that is not an amount is refused in place."""
    project = filed(flow)
    client, token = logged_in(app, COMMERCE)
    form = {"csrf_token": token, "title": "物流快递补贴申报", "line_ids": str(project["lines"][4]["id"]),
            "total": "50万", "deadline": "2024-12-31", "unit_rate.unit": "单", "unit_rate.rate": "一块五"}
    refused = client.post(f"/projects/{project['id']}/calls", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="unit_rate.rate"' in html and "一块五" in html
    opened = client.post(f"/projects/{project['id']}/calls", data={**form, "unit_rate.rate": "1.50",
                                                                    "unit_rate.cap": "2万"})
    assert opened.status_code == 302
    call = client.get(opened.headers["location"]).get_data(as_text=True)
    assert "每单 1.50 元，每月不超过 20,000.00 元" in call
