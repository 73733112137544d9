"""Acceptance, public notice and objections through the HTTP API (SPEC §5.2, §9), on SQLite and PostgreSQL.

Every test starts from seed 003 with contractors A (lines 1–2) and B (lines 3–5) selected, the clock at
2024-09-27 10:00 Beijing time: a notice published then runs over the National Day holiday and ends at
24:00 on 2024-10-10.
"""

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.flow import (
    COMMERCE,
    CONTRACTOR_A,
    FINANCE,
    LEADER,
    NOTICE_ENDS_AT,
    NOTICE_ENDS_ON,
    PUBLISHED_AT,
    Flow,
    public_address,
    unmet_codes,
)

Setup = tuple[Flow, dict[str, Any], dict[str, Any], dict[str, Any]]


@pytest.fixture
def setup(app: Any, client: Any) -> Setup:
    flow = Flow(app, client)
    flow.county_users()
    project, a, b = flow.selected_project()
    return flow, project, a, b


def test_the_first_application_moves_the_project_into_staged_acceptance(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A, note="第一阶段建设内容已完成"), 201)
    assert acceptance["state"] == "applied" and acceptance["kind"] == "stage" and acceptance["stage"] == 1
    assert acceptance["contract_id"] == a["id"] and acceptance["project_id"] == project["id"]
    assert acceptance["notice"] is None and acceptance["objections"] == []
    assert flow.project(project["id"])["state"] == "staged_acceptance"
    assert flow.acceptance(acceptance["id"], CONTRACTOR_A)["id"] == acceptance["id"]


def test_a_stage_missing_from_the_payment_schedule_is_a_422(setup: Setup) -> None:
    flow, project, a, _ = setup
    resp = flow.apply(a, CONTRACTOR_A, stage=2)
    assert resp.status_code == 422 and "stage" in resp.get_json()["errors"]
    assert flow.project(project["id"])["state"] == "contractor_selected"


def test_a_pass_must_judge_every_line_of_the_contract_and_changes_nothing_otherwise(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    flow.act_ok(acceptance, "start_review")
    resp = flow.act(acceptance, "pass", verdicts=flow.verdicts(project, a)[:1])
    assert resp.status_code in (409, 422), resp.get_json()
    over = flow.verdicts(project, a)
    over[0]["accepted_amount"] = "1500000.01"  # line 1 is 150万
    assert flow.act(acceptance, "pass", verdicts=over).status_code in (409, 422)
    assert flow.acceptance(acceptance["id"])["state"] == "under_review"


def test_a_notice_published_on_27_september_2024_ends_at_midnight_on_10_october(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    notice = acceptance["notice"]
    assert datetime.fromisoformat(notice["published_at"]) == PUBLISHED_AT
    assert notice["ends_on"] == NOTICE_ENDS_ON
    assert datetime.fromisoformat(notice["ends_at"]) == NOTICE_ENDS_AT
    assert notice["ends_at"] == "2024-10-10T16:00:00+00:00"
    assert notice["closed_at"] is None


def test_close_notice_before_the_end_is_a_409_that_names_the_end_date(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    flow.set_clock(NOTICE_ENDS_AT - timedelta(minutes=1))
    resp = flow.act(acceptance, "close_notice")
    assert resp.status_code == 409
    unmet = resp.get_json()["unmet"]
    assert [u["code"] for u in unmet] == ["notice_not_ended"]
    assert NOTICE_ENDS_ON in unmet[0]["message"]
    explained = flow.ok(flow.get(f"/acceptances/{acceptance['id']}/events/close_notice"))
    assert explained["allowed"] is False and [u["code"] for u in explained["unmet"]] == ["notice_not_ended"]

    flow.set_clock(NOTICE_ENDS_AT + timedelta(seconds=1))
    clear = flow.act_ok(acceptance, "close_notice")
    assert clear["state"] == "notice_clear" and clear["notice"]["closed_at"] is not None


def test_a_public_objection_blocks_approval_until_it_is_dismissed_after_the_end(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    resp = flow.object_to(acceptance, name="村民张某")
    assert resp.status_code == 201, resp.get_json()
    objection_id = resp.get_json()["id"]
    objected = flow.acceptance(acceptance["id"])
    assert objected["state"] == "objected"
    assert [o["id"] for o in objected["objections"]] == [objection_id]
    assert objected["objections"][0]["decision"] is None

    flow.after_notice(acceptance)
    for event, who in (("approve", LEADER), ("close_notice", COMMERCE)):
        resp = flow.act(acceptance, event, who)
        assert resp.status_code == 409, (event, resp.get_json())
    dismissed = flow.act_ok(acceptance, "resolve_objection", objection_id=objection_id, decision="dismiss",
                            note="经核查，建设内容与验收材料一致")
    assert dismissed["state"] == "notice_clear"
    assert dismissed["objections"][0]["decision"] == "dismiss"
    assert flow.act_ok(acceptance, "approve", LEADER)["state"] == "approved"


def test_dismissing_every_objection_while_the_notice_runs_returns_to_the_notice(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    first = flow.ok(flow.object_to(acceptance), 201)["id"]
    second = flow.ok(flow.object_to(acceptance, content="站点未按期建成"), 201)["id"]
    still = flow.act_ok(acceptance, "resolve_objection", objection_id=first, decision="dismiss", note="不属实")
    assert still["state"] == "objected"
    back = flow.act_ok(acceptance, "resolve_objection", objection_id=second, decision="dismiss", note="已建成")
    assert back["state"] == "in_notice"
    assert flow.act(acceptance, "close_notice").status_code == 409


def test_an_upheld_objection_fails_the_acceptance_which_is_rectified_reapplied_and_passed_again(
        setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    objection_id = flow.ok(flow.object_to(acceptance), 201)["id"]
    failed = flow.act_ok(acceptance, "resolve_objection", objection_id=objection_id, decision="uphold",
                         note="经核查，部分服务站点未建成")
    assert failed["state"] == "failed"
    rectifying = flow.act_ok(acceptance, "rectify", deadline="2024-11-30", note="限期整改")
    assert rectifying["state"] == "rectifying" and rectifying["rectify_deadline"] == "2024-11-30"
    assert "reapply" in flow.acceptance(acceptance["id"], CONTRACTOR_A)["allowed_events"]
    assert flow.act_ok(acceptance, "reapply", CONTRACTOR_A, note="已整改完毕")["state"] == "applied"
    assert flow.act_ok(acceptance, "start_review")["state"] == "under_review"
    again = flow.act_ok(acceptance, "pass", verdicts=flow.verdicts(project, a))
    assert again["state"] == "passed"
    assert all(v["result"] == "pass" for v in again["verdicts"])


def test_a_failed_verdict_goes_to_rectification(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    flow.act_ok(acceptance, "start_review")
    line_1 = a["line_ids"][0]
    failed = flow.act_ok(acceptance, "fail", verdicts=flow.verdicts(project, a, fail=frozenset({line_1})),
                         note="县级公共服务中心未达到验收标准")
    assert failed["state"] == "failed"
    assert {v["line_id"]: v["result"] for v in failed["verdicts"]}[line_1] == "fail"
    assert flow.act(acceptance, "publish").status_code == 409
    assert flow.act_ok(acceptance, "rectify", deadline="2024-11-30", note="限期整改")["state"] == "rectifying"


def test_a_commerce_user_cannot_approve_and_a_leader_cannot_pass(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    flow.act_ok(acceptance, "start_review")
    resp = flow.act(acceptance, "pass", LEADER, verdicts=flow.verdicts(project, a))
    assert resp.status_code == 403 and unmet_codes(resp) == ["role_not_allowed"]
    passed = flow.act_ok(acceptance, "pass", verdicts=flow.verdicts(project, a))
    verdict_by = passed["verdict_by"]
    assert COMMERCE in json.dumps(verdict_by, ensure_ascii=False) or verdict_by == flow.user_ids[COMMERCE]

    flow.after_notice(flow.publish(acceptance))
    clear = flow.act_ok(acceptance, "close_notice")
    assert clear["allowed_events"] == []  # commerce may not approve
    assert flow.acceptance(acceptance["id"], LEADER)["allowed_events"] == ["approve"]
    resp = flow.act(acceptance, "approve", COMMERCE)
    assert resp.status_code == 403 and unmet_codes(resp) == ["role_not_allowed"]
    assert flow.acceptance(acceptance["id"])["state"] == "notice_clear"


def test_an_objection_after_the_notice_has_ended_is_a_409(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    flow.after_notice(acceptance)
    resp = flow.object_to(acceptance)
    assert resp.status_code == 409 and unmet_codes(resp) == ["notice_closed"]
    assert flow.acceptance(acceptance["id"])["objections"] == []


def test_an_objection_may_hold_2000_characters_and_not_one_more(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    too_long = flow.object_to(acceptance, content="异" * 2001)
    assert too_long.status_code in (413, 422)
    if too_long.status_code == 422:
        assert "content" in too_long.get_json()["errors"]
    assert flow.acceptance(acceptance["id"])["state"] == "in_notice"
    assert flow.object_to(acceptance, content="异" * 2000).status_code == 201


def test_an_objection_needs_a_contact_and_content(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    resp = flow.client.post(f"/api/v1/public/notices/{acceptance['notice']['id']}/objections",
                            json={"name": "匿名"}, environ_base={"REMOTE_ADDR": public_address()})
    assert resp.status_code == 422
    assert {"contact", "content"} <= set(resp.get_json()["errors"])


def test_a_sixth_objection_from_one_address_within_ten_minutes_is_a_429(setup: Setup) -> None:
    flow, project, a, _ = setup
    acceptance = flow.in_notice(project, a)
    address = public_address()
    for i in range(5):
        resp = flow.object_to(acceptance, content=f"第{i + 1}条异议", address=address)
        assert resp.status_code == 201, (i, resp.get_json())
        flow.advance(timedelta(minutes=1))
    assert flow.object_to(acceptance, content="第6条异议", address=address).status_code == 429
    assert flow.object_to(acceptance, content="另一地址的异议", address=public_address()).status_code == 201
    assert len(flow.acceptance(acceptance["id"])["objections"]) == 6


def test_an_xx_2024_acceptance_is_published_only_after_the_finance_recheck(setup: Setup) -> None:
    """Issue 17, done when: under xx-2024 (seed 003 §5(2)3①) the finance bureau re-checks the review result
    before the public notice; publishing before it is refused, and only finance re-checks."""
    from tests.e2e.test_documents import upload

    flow, project, a, _ = setup
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    flow.act_ok(acceptance, "start_review")
    flow.act_ok(acceptance, "pass", verdicts=flow.verdicts(project, a, "1.00", acceptance=acceptance))
    early = flow.act(acceptance, "publish")
    assert early.status_code == 409 and unmet_codes(early) == ["finance_recheck_required"]
    assert "复核" in early.get_json()["unmet"][0]["message_zh"]
    assert flow.act(acceptance, "finance_recheck", COMMERCE).status_code == 403
    doc = flow.ok(upload(flow, FINANCE, project["id"], filename="复核意见.pdf"), 201)
    returned = flow.act_ok(acceptance, "return_to_review", FINANCE, note="核定金额与合同不符，请重新评审")
    assert returned["state"] == "under_review" and returned["verdicts"] == []
    flow.act_ok(acceptance, "pass", verdicts=flow.verdicts(project, a, "1.00", acceptance=acceptance))
    rechecked = flow.act_ok(acceptance, "finance_recheck", FINANCE, note="经复核，评审结果属实", document_id=doc["id"])
    assert rechecked["state"] == "rechecked"
    assert rechecked["state_label"]["zh"] == "财政已复核"
    assert rechecked["recheck"]["note"] == "经复核，评审结果属实" and rechecked["recheck"]["document_id"] == doc["id"]
    published = flow.act_ok(acceptance, "publish")
    assert published["state"] == "in_notice"
    actions = [e["action"] for e in flow.audit_actions(project["id"]) if e["action"].startswith("acceptance.")]
    assert actions[-4:] == ["acceptance.return_to_review", "acceptance.pass", "acceptance.finance_recheck",
                            "acceptance.publish"]
