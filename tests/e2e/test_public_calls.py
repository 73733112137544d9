"""The calls for applications on the public pages and in the public API (issue 20 item 5), no login.

Seed 003 §5(1)1②: 公开公布项目申报通知; §5(2)3②: the applications passing finance's re-check are publicised;
§6(5): 信息公开. What is public: the call (lines with responsible units and deadlines, money available,
conditions, materials, deadline), the applications in notice with the proposed subsidy and the panel by name
and bureau, the awards (recipient and amount) and the subsidies paid. What is not: an application's
description, declarations, documents, the site-visit note, rejected or withdrawn applications, contacts.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.test_applications import (
    ENTERPRISE,
    PANEL,
    VISIT,
    act_ok,
    apply,
    filed,
    in_notice,
    open_call,
)
from tests.flow import CODE_C, COMMERCE, FINANCE, LEADER, NAME_C, SUPERVISOR, Flow
from tests.integration.test_pdf import assert_pdf, pdf_text

DESCRIPTION = "建设村级电商服务站 10 个"  # what apply() sends: never public


@pytest.fixture
def flow(flow: Flow) -> Flow:
    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    return flow


def public(flow: Flow, path: str) -> Any:
    resp = flow.client.get(f"/api/v1/public{path}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_the_public_reads_a_call_its_notice_and_its_award_with_recipient_and_amount(flow: Flow) -> None:
    project = filed(flow)
    call = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    listed = public(flow, "/calls")
    assert [c["id"] for c in listed] == [call["id"]]
    shown = listed[0]
    assert shown["state"] == "open" and shown["deadline"] == "2024-12-31"
    assert shown["total"] == "1000000.00" and shown["total_wan"] == "100万元" and shown["available_wan"] == "100万元"
    assert shown["lines"] == [{"ref": "（四）", "category": "推进农村电商助力扶贫工作",
                               "item": project["lines"][3]["item"], "amount": "1000000.00",
                               "responsible": ["县电商办", "商务局", "财政局", "农业农村局", "各乡镇人民政府",
                                               "街道办事处"],
                               "cooperating": [], "deadline": "2024-12-31"}]
    assert shown["materials"] == ["营业执照", "项目实施方案"] and shown["notices"] == shown["awards"] == []

    # Submitted and under review: not public yet.
    submitted = flow.ok(apply(flow, call), 201)
    act_ok(flow, submitted, "start_review")
    assert public(flow, "/calls")[0]["notices"] == [] and public(flow, "/calls")[0]["recipients"] == []

    noticed = in_notice(flow, call, "500000.00")
    one = public(flow, f"/calls/{call['id']}")
    assert one["supervision"]["phone"]
    [notice] = one["notices"]
    assert (notice["applicant"], notice["credit_code"], notice["proposed_subsidy"], notice["proposed_subsidy_wan"]) == \
        (NAME_C, CODE_C, "500000.00", "50万元")
    assert notice["open"] is True and notice["ends_at"] == noticed["notice"]["ends_at"]
    assert notice["panel"] == [{"name": m["name"], "bureau": m["bureau"]} for m in PANEL]
    page = flow.client.get(f"/public/calls/{call['id']}").get_data(as_text=True)
    assert NAME_C in page and CODE_C in page and "50万元" in page and "张三（县商务局）" in page
    for secret in (DESCRIPTION, VISIT["note"], "no_conflict", "independent_legal_person"):
        assert secret not in page and secret not in str(one)

    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    assert public(flow, "/calls")[0]["notices"][0]["open"] is False
    act_ok(flow, noticed, "close_notice")
    act_ok(flow, noticed, "award", LEADER)
    shown = public(flow, "/calls")[0]
    assert shown["notices"] == []
    assert [(a["applicant"], a["credit_code"], a["awarded"], a["awarded_wan"]) for a in shown["awards"]] == \
        [(NAME_C, CODE_C, "500000.00", "50万元")]
    assert shown["awarded"] == "500000.00" and shown["available"] == "500000.00"
    assert [(r["applicant"], r["awarded"]) for r in shown["recipients"]] == [(NAME_C, "500000.00")]
    page = flow.client.get("/public/calls").get_data(as_text=True)
    assert "电商扶贫项目申报" in page and NAME_C in page and "50万元" in page
    project_page = flow.client.get(f"/public/projects/{project['id']}").get_data(as_text=True)
    assert f"/public/calls/{call['id']}" in project_page
    assert public(flow, f"/projects/{project['id']}")["calls"][0]["awards"][0]["applicant"] == NAME_C


def test_a_rejected_application_and_a_call_of_a_plan_returned_to_draft_stay_private(flow: Flow) -> None:
    project = filed(flow)
    call = flow.ok(open_call(flow, project, 2, "2000000.00"), 201)
    rejected = flow.ok(apply(flow, call, code=CODE_C), 201)
    act_ok(flow, rejected, "start_review")
    assert act_ok(flow, rejected, "reject", note="不符合申报条件")["state"] == "rejected"
    shown = public(flow, f"/calls/{call['id']}")
    assert shown["notices"] == shown["awards"] == shown["recipients"] == []
    assert "不符合申报条件" not in str(shown)

    flow.fire_ok(project["id"], "return_for_revision", SUPERVISOR, note="请按意见修改")
    assert public(flow, "/calls") == []
    assert flow.client.get(f"/api/v1/public/calls/{call['id']}").status_code == 404
    assert flow.client.get(f"/public/calls/{call['id']}").status_code == 404
    assert flow.client.get("/api/v1/public/calls/999999").status_code == 404


def test_the_english_call_page_keeps_chinese_only_in_data(flow: Flow) -> None:
    project = filed(flow)
    call = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    in_notice(flow, call, "500000.00")
    page = flow.client.get(f"/public/calls/{call['id']}?lang=en").get_data(as_text=True)
    assert "Available" in page and "Proposed subsidies in public notice" in page
    assert "0.5 million yuan" in page and "Panel" in page


def test_an_application_notice_takes_objections_on_its_public_page(flow: Flow) -> None:
    """The objection form as for an acceptance's notice (seed 004 §5(5)3): the call page links to the notice,
    which names the call, the applicant and the proposed subsidy; an objection keeps it in notice."""
    project = filed(flow)
    call = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    noticed = in_notice(flow, call, "500000.00")
    notice_id = noticed["notice"]["id"]
    call_page = flow.client.get(f"/public/calls/{call['id']}").get_data(as_text=True)
    assert f"/public/notices/{notice_id}" in call_page
    landing = flow.client.get("/public").get_data(as_text=True)
    assert f'data-testid="open-application-notice-{notice_id}"' in landing and NAME_C in landing

    page = flow.client.get(f"/public/notices/{notice_id}").get_data(as_text=True)
    assert "拟补助公示" in page and NAME_C in page and "50万元" in page and 'data-testid="objection-form"' in page
    assert f"/api/v1/public/notices/{notice_id}/notice.pdf" in page
    printed = pdf_text(assert_pdf(flow.client.get(f"/api/v1/public/notices/{notice_id}/notice.pdf")))
    assert "拟补助资金公示" in printed and NAME_C in printed and "人民币伍拾万元整" in printed, printed
    assert f"/public/notices/{notice_id}" in printed and "验收结果" not in printed
    assert "一、公示期" in printed and "二、异议方式" in printed and "签订补助协议" in printed
    shown = public(flow, f"/notices/{notice_id}")
    assert shown["kind"] == "application" and shown["open"] is True
    assert (shown["application"]["applicant"], shown["application"]["proposed_subsidy"]) == (NAME_C, "500000.00")
    assert shown["call"]["title"] == "电商扶贫项目申报" and "contract" not in shown

    filed_objection = flow.client.post(f"/api/v1/public/notices/{notice_id}/objections",
                                       json={"contact": "13800000000", "content": "该企业未实际开展电商扶贫。"},
                                       environ_base={"REMOTE_ADDR": "203.0.113.31"})
    assert filed_objection.status_code == 201
    [notice] = public(flow, f"/calls/{call['id']}")["notices"]
    assert notice["open"] is True and notice["notice_id"] == notice_id
    page = flow.client.get(f"/public/notices/{notice_id}").get_data(as_text=True)
    assert "公示有异议" in page and "13800000000" not in page and "该企业未实际开展电商扶贫" not in page


def test_the_subsidy_paid_is_public_with_its_call_and_the_agreement_is_no_procured_contract(flow: Flow) -> None:
    from tests.e2e.test_subsidies import ACCOUNT, COMMERCE_2, FINANCE_2, accepted, awarded, request, step, today

    flow.user(COMMERCE_2, "commerce")
    flow.user(FINANCE_2, "finance")
    project = filed(flow)
    flow.funds_arrived(project)
    call, application = awarded(flow, project)
    accepted(flow, project, application, "450000.00")
    payment = flow.ok(request(flow, application, "450000.00"), 201)
    flow.ok(step(flow, payment, "verify", COMMERCE_2))
    flow.ok(step(flow, payment, "approve", FINANCE))
    flow.client.put(f"/api/v1/contracts/{application['contract_id']}/payee", headers=flow.h(COMMERCE),
                    json={"payee_bank": "中国农业银行霞浦县支行", "payee_account": ACCOUNT})
    flow.ok(step(flow, payment, "disburse", FINANCE_2, voucher_no="ZF-2024-201", disbursed_on=today(flow)))

    shown = public(flow, f"/calls/{call['id']}")
    assert [(p["applicant"], p["amount"], p["amount_wan"], p["disbursed_on"]) for p in shown["payments"]] == \
        [(NAME_C, "450000.00", "45万元", today(flow))]
    assert shown["paid"] == "450000.00" and shown["awards"][0]["awarded"] == "500000.00"
    page = flow.client.get(f"/public/calls/{call['id']}").get_data(as_text=True)
    assert 'data-testid="call-payment"' in page and "45万元" in page and "ZF-2024-201" not in page
    assert ACCOUNT not in page and ACCOUNT not in str(shown)
    disclosed = public(flow, f"/projects/{project['id']}")
    assert disclosed["contracts"] == [] and disclosed["contracted"] == "0.00"
    assert disclosed["disbursed"] == "450000.00" and disclosed["calls"][0]["paid"] == "450000.00"


def test_a_per_unit_call_shows_its_rate_and_monthly_cap_in_public(app: Any, client: Any) -> None:
    """Seed 001 §5(4)3 (每单物流补贴): the public reads what a call pays per unit and the most a month."""
    from tests.e2e import test_unit_subsidies as burqin

    flow = Flow(app, client)
    flow.user(burqin.COMMERCE, "commerce", burqin.COUNTY)
    call = flow.ok(burqin.open_call(flow, burqin.filed_project(flow)), 201)
    shown = public(flow, f"/calls/{call['id']}")
    assert shown["unit_rate"] == {"unit": "单", "rate": "3.00", "cap": "400000.00"}
    page = flow.client.get(f"/public/calls/{call['id']}").get_data(as_text=True)
    assert "每单 3.00 元" in page and "每月最多 400,000.00 元" in page
    english = flow.client.get(f"/public/calls/{call['id']}?lang=en").get_data(as_text=True)
    assert "3.00 yuan per 单" in english and "at most 400,000.00 yuan a month" in english
