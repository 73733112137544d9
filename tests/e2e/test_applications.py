"""Calls for applications and the application workflow up to the award (issue 20, first slice).

Seed 003 §5(1)1②: 项目申报类支出 — a call on the plan's lines; §5(2)1: who may apply; §5(2)3①: a joint review
and finance's re-check; §5(2)3②: the public notice, which names the proposed subsidy (seed 004 §5(5)2).
"""

from datetime import datetime, timedelta
from typing import Any

import pytest

from disburse.services import scheduling
from tests.flow import (
    CODE_A,
    CODE_C,
    COMMERCE,
    CONTRACTOR_A,
    COUNTY,
    DECLARED,
    FINANCE,
    INSPECTOR,
    LEADER,
    NAME_C,
    Flow,
    unmet_codes,
)

ENTERPRISE = "xp-enterprise-c"  # the applicant's own user: an enterprise with credit code C
PANEL = [{"name": "张三", "bureau": "县商务局", "no_conflict": True},
         {"name": "李四", "bureau": "县财政局", "no_conflict": True},
         {"name": "王五", "bureau": "县农业农村局", "no_conflict": True}]
VISIT = {"date": "2024-09-27", "note": "现场核实建设内容与申报材料一致"}


@pytest.fixture
def flow(flow: Flow) -> Flow:
    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    return flow


def filed(flow: Flow) -> dict[str, Any]:
    pid = flow.create_project()["id"]
    return flow.fire_ok(pid, "file")


def open_call(flow: Flow, project: dict[str, Any], line: int, total: str, title: str = "电商扶贫项目申报",
              as_: str = COMMERCE) -> Any:
    return flow.post(f"/projects/{project['id']}/calls",
                     {"title": title, "line_ids": [project["lines"][line - 1]["id"]], "total": total,
                      "deadline": "2024-12-31", "materials": ["营业执照", "项目实施方案"]}, as_)


def apply(flow: Flow, call: dict[str, Any], amount: str = "600000.00", as_: str = ENTERPRISE,
          code: str = CODE_C) -> Any:
    return flow.post(f"/calls/{call['id']}/applications",
                     {"applicant": {"name": NAME_C, "credit_code": code, "region": COUNTY,
                                    "declarations": DECLARED},
                      "amount_requested": amount, "description": "建设村级电商服务站 10 个", "document_ids": []}, as_)


def act(flow: Flow, application: dict[str, Any], event: str, as_: str = COMMERCE, **data: Any) -> Any:
    return flow.post(f"/applications/{application['id']}/events", {"event": event, **data}, as_)


def act_ok(flow: Flow, application: dict[str, Any], event: str, as_: str = COMMERCE, **data: Any) -> dict[str, Any]:
    return flow.ok(act(flow, application, event, as_, **data))


def review(flow: Flow, application: dict[str, Any], subsidy: str = "500000.00", **extra: Any) -> Any:
    return act(flow, application, "review", panel=PANEL, site_visit=VISIT, verdict="pass",
               proposed_subsidy=subsidy, **extra)


def in_notice(flow: Flow, call: dict[str, Any], subsidy: str = "500000.00") -> dict[str, Any]:
    application = flow.ok(apply(flow, call, "900000.00"), 201)
    act_ok(flow, application, "start_review")
    assert flow.ok(review(flow, application, subsidy))["state"] == "reviewed"
    assert act_ok(flow, application, "finance_recheck", FINANCE, note="经复核，评审结果属实")["state"] == "rechecked"
    return act_ok(flow, application, "publish")


def notice_clear(flow: Flow, call: dict[str, Any], subsidy: str = "500000.00") -> dict[str, Any]:
    application = in_notice(flow, call, subsidy)
    flow.set_clock(datetime.fromisoformat(application["notice"]["ends_at"]) + timedelta(hours=1))
    return act_ok(flow, application, "close_notice")


def test_an_application_goes_from_submission_to_award_and_the_public_sees_the_recipient(flow: Flow) -> None:
    project = filed(flow)
    call = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    assert call["state"] == "open" and call["total"] == "1000000.00"
    assert flow.ok(flow.get(f"/calls/{call['id']}"))["line_ids"] == [project["lines"][3]["id"]]

    application = flow.ok(apply(flow, call), 201)
    assert application["state"] == "submitted" and application["applicant"]["credit_code"] == CODE_C
    assert "withdraw" in application["allowed_events"]
    act_ok(flow, application, "start_review")
    reviewed = flow.ok(review(flow, application))
    assert reviewed["state"] == "reviewed" and reviewed["proposed_subsidy"] == "500000.00"
    assert [m["bureau"] for m in reviewed["review"]["panel"]] == ["县商务局", "县财政局", "县农业农村局"]
    assert all(m["no_conflict"] for m in reviewed["review"]["panel"])
    assert reviewed["review"]["site_visit"] == VISIT
    rechecked = act_ok(flow, application, "finance_recheck", FINANCE, note="经复核，评审结果属实")
    assert rechecked["recheck"]["rechecked_by"] != rechecked["review"]["reviewed_by"]
    noticed = act_ok(flow, application, "publish")
    assert noticed["state"] == "in_notice"
    assert noticed["notice"]["applicant"] == NAME_C and noticed["notice"]["proposed_subsidy"] == "500000.00"
    public = flow.client.get("/api/v1/public/calls").get_json()
    assert [(r["applicant"], r["proposed_subsidy"]) for r in public[0]["recipients"]] == [(NAME_C, "500000.00")]

    refused = act(flow, application, "close_notice")
    assert refused.status_code == 409 and unmet_codes(refused) == ["notice_not_ended"]
    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    assert act_ok(flow, application, "close_notice")["state"] == "notice_clear"
    assert act(flow, application, "award", COMMERCE).status_code == 403
    awarded = act_ok(flow, application, "award", LEADER)
    assert awarded["state"] == "awarded" and awarded["awarded"] == "500000.00"
    assert flow.ok(flow.get(f"/calls/{call['id']}"))["awarded"] == "500000.00"
    public = flow.client.get("/api/v1/public/calls").get_json()
    assert [(r["applicant"], r["awarded"]) for r in public[0]["recipients"]] == [(NAME_C, "500000.00")]

    steps = [e["action"] for e in flow.audit_actions(project["id"]) if e["action"].startswith(("application.",
                                                                                              "call."))]
    assert steps == ["call.open", "application.submit", "application.start_review", "application.review",
                     "application.finance_recheck", "application.publish", "application.close_notice",
                     "application.award"]


def test_a_call_is_opened_on_a_filed_project_within_its_lines(flow: Flow) -> None:
    project = flow.create_project()
    refused = open_call(flow, project, 4, "1000000.00")
    assert refused.status_code == 409 and unmet_codes(refused) == ["wrong_state"]
    project = flow.fire_ok(project["id"], "file")
    assert open_call(flow, project, 4, "1000000.00", as_=FINANCE).status_code == 403
    above = open_call(flow, project, 4, "1000000.01")
    assert above.status_code == 409 and unmet_codes(above) == ["call_above_line_budget"]


def test_a_panel_member_without_a_declaration_and_a_subsidy_above_the_request_are_refused(flow: Flow) -> None:
    call = flow.ok(open_call(flow, filed(flow), 4, "1000000.00"), 201)
    application = flow.ok(apply(flow, call), 201)
    act_ok(flow, application, "start_review")
    conflicted = act(flow, application, "review", panel=[*PANEL[:2], {**PANEL[2], "no_conflict": False}],
                     site_visit=VISIT, verdict="pass", proposed_subsidy="500000.00")
    assert conflicted.status_code == 422 and "王五" in str(conflicted.get_json()["errors"]["panel"])
    above = review(flow, application, "600000.01")
    assert above.status_code == 422 and "proposed_subsidy" in above.get_json()["errors"]
    assert flow.ok(flow.get(f"/applications/{application['id']}"))["state"] == "under_review"
    failed = act_ok(flow, application, "review", panel=PANEL, site_visit=VISIT, verdict="fail",
                    note="建设内容不符合申报指南")
    assert failed["state"] == "rejected" and failed["proposed_subsidy"] is None


def test_an_award_beyond_what_the_line_has_left_after_contracts_is_refused(flow: Flow) -> None:
    project = flow.tendered_project()
    call = flow.ok(open_call(flow, project, 5, "1000000.00", title="物流补贴申报"), 201)
    application = notice_clear(flow, call, "800000.00")
    contract = flow.contract_body(project, [5], "500000.00", lot="标段五")
    flow.ok(flow.add_contract(project, contract), 201)
    refused = act(flow, application, "award", LEADER)
    assert refused.status_code == 409 and unmet_codes(refused) == ["award_above_line_budget"]
    why = flow.ok(flow.get(f"/applications/{application['id']}/events/award", LEADER))
    assert not why["allowed"] and [u["code"] for u in why["unmet"]] == ["award_above_line_budget"]
    assert "award" not in flow.ok(flow.get(f"/applications/{application['id']}", LEADER))["allowed_events"]


def test_an_enterprise_awarded_on_another_call_of_the_project_is_named_as_duplicate_support(flow: Flow) -> None:
    project = filed(flow)
    first = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    awarded = act_ok(flow, notice_clear(flow, first), "award", LEADER)
    second = flow.ok(open_call(flow, project, 5, "1000000.00", title="物流补贴申报"), 201)
    application = notice_clear(flow, second, "300000.00")
    assert [o["id"] for o in application["same_enterprise"]] == [awarded["id"]]
    refused = act(flow, application, "award", LEADER)
    assert refused.status_code == 409 and unmet_codes(refused) == ["duplicate_support"]
    assert "重复支持" in refused.get_json()["unmet"][0]["message"]


def test_the_applicant_withdraws_its_own_application_and_no_one_else_sees_it(flow: Flow) -> None:
    project = filed(flow)
    call = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    not_own = apply(flow, call, code=CODE_A)
    assert not_own.status_code == 422
    application = flow.ok(apply(flow, call), 201)
    assert act(flow, application, "withdraw", CONTRACTOR_A).status_code == 404
    assert flow.get(f"/applications/{application['id']}", CONTRACTOR_A).status_code == 404
    assert act(flow, application, "withdraw", INSPECTOR).status_code == 403
    withdrawn = act_ok(flow, application, "withdraw", ENTERPRISE)
    assert withdrawn["state"] == "withdrawn" and withdrawn["allowed_events"] == []
    entries = [e for e in flow.audit_actions(project["id"]) if e["action"] == "application.withdraw"]
    assert len(entries) == 1 and entries[0]["to_state"] == "withdrawn"


def test_a_contract_over_several_lines_commits_on_each_in_proportion_rounded_up(flow: Flow) -> None:
    """Lines 1–2 (150万 + 500万) contracted for 600万: 600万 × 150/650 = 1384615.38… commits 1384615.39 on line 1,
    leaving 115384.61 for a call on it."""
    project = flow.tendered_project()
    flow.ok(flow.add_contract(project, flow.contract_body(project, [1, 2], "6000000.00")), 201)
    above = open_call(flow, project, 1, "115384.62")
    assert above.status_code == 409 and unmet_codes(above) == ["call_above_line_budget"]
    assert flow.ok(open_call(flow, project, 1, "115384.61"), 201)["total"] == "115384.61"


def object_to(flow: Flow, application: dict[str, Any], content: str = "该企业近三年有违法违规记录，请核查。") -> Any:
    return flow.client.post(f"/api/v1/public/notices/{application['notice']['id']}/objections",
                            json={"contact": "13800000000", "content": content},
                            environ_base={"REMOTE_ADDR": "203.0.113.20"})


def test_an_objection_to_the_notice_holds_the_award_until_commerce_dismisses_it(flow: Flow) -> None:
    """Seed 003 §5(2)3② publicises the proposed subsidy; objections are taken and decided as an acceptance's
    (seed 004 §5(5)3)."""
    call = flow.ok(open_call(flow, filed(flow), 4, "1000000.00"), 201)
    noticed = in_notice(flow, call)
    assert flow.ok(object_to(flow, noticed), 201)
    objected = flow.ok(flow.get(f"/applications/{noticed['id']}"))
    assert objected["state"] == "objected" and objected["state_label"]["zh"] == "公示有异议"
    [objection] = objected["notice"]["objections"]
    assert objection["contact"] == "13800000000"
    own = flow.ok(flow.get(f"/applications/{noticed['id']}", ENTERPRISE))
    assert "contact" not in own["notice"]["objections"][0] or own["notice"]["objections"][0]["contact"] is None
    assert act(flow, noticed, "object").status_code == 422
    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    assert act(flow, noticed, "close_notice").status_code == 409
    late = object_to(flow, noticed)
    assert late.status_code == 409 and unmet_codes(late) == ["notice_closed"]
    cleared = act_ok(flow, noticed, "resolve_objection", objection_id=objection["id"], decision="dismiss",
                     note="经核查，该企业近三年无违法违规记录")
    assert cleared["state"] == "notice_clear" and cleared["notice"]["closed_at"] is not None
    assert act_ok(flow, cleared, "award", LEADER)["state"] == "awarded"


def test_an_upheld_objection_rejects_the_application(flow: Flow) -> None:
    call = flow.ok(open_call(flow, filed(flow), 4, "1000000.00"), 201)
    noticed = in_notice(flow, call)
    flow.ok(object_to(flow, noticed), 201)
    objection = flow.ok(flow.get(f"/applications/{noticed['id']}"))["notice"]["objections"][0]
    rejected = act_ok(flow, noticed, "resolve_objection", objection_id=objection["id"], decision="uphold",
                      note="经核查，异议属实")
    assert rejected["state"] == "rejected" and rejected["reject_note"] == "经核查，异议属实"
    again = act(flow, noticed, "resolve_objection", objection_id=objection["id"], decision="dismiss", note="x")
    assert again.status_code == 409
    actions = [e["action"] for e in flow.audit_actions(noticed["project_id"])]
    assert actions[-3:] == ["application.object", "objection.file", "application.resolve_objection"]


def test_the_scheduler_closes_an_ended_application_notice_once_and_leaves_an_objected_one(flow: Flow) -> None:
    project = filed(flow)
    clear = in_notice(flow, flow.ok(open_call(flow, project, 4, "1000000.00"), 201))
    objected = in_notice(flow, flow.ok(open_call(flow, project, 5, "1000000.00", title="物流补贴申报"), 201))
    flow.ok(object_to(flow, objected), 201)
    ends = datetime.fromisoformat(clear["notice"]["ends_at"])
    assert scheduling.tick(flow.db, ends - timedelta(minutes=1))["close_notices"] == 0
    assert scheduling.tick(flow.db, ends + timedelta(minutes=1))["close_notices"] == 1
    assert flow.ok(flow.get(f"/applications/{clear['id']}"))["state"] == "notice_clear"
    assert flow.ok(flow.get(f"/applications/{objected['id']}"))["state"] == "objected"
    assert scheduling.tick(flow.db, ends + timedelta(hours=2))["close_notices"] == 0
    closing = [e for e in flow.audit_actions(project["id"]) if e["action"] == "application.close_notice"]
    assert len(closing) == 1 and closing[0]["actor"]["username"] == "system"


def test_the_reviewers_see_the_enterprises_applications_on_every_project_of_the_county(flow: Flow) -> None:
    first = flow.ok(open_call(flow, filed(flow), 4, "1000000.00"), 201)
    second = flow.ok(open_call(flow, filed(flow), 5, "1000000.00", title="物流补贴申报"), 201)
    here = flow.ok(apply(flow, first), 201)
    there = flow.ok(apply(flow, second), 201)
    seen = flow.ok(flow.get(f"/applications/{here['id']}"))["same_enterprise"]
    assert [(o["id"], o["project_id"], o["call_title"]) for o in seen] == [(there["id"], there["project_id"],
                                                                           "物流补贴申报")]
