"""The leading group decides together (会签, issue 21 item 1; seed 004 §5(5)3: 经……领导小组审核同意后，拨付补助资金).

A county with five leaders under a rule set whose ``leader_quorum`` is ``"3/5"``: a member connected to the
contractor recuses, the quorum is computed over the other four (3/5 of 4 → 3), the result is approved when the
third member approves, and fails as soon as approval can no longer be reached. A group of one keeps ``approve``.
"""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import update

from disburse.adapters import rulesets
from disburse.adapters.orm import Project
from disburse.paths import RULES_DIR
from tests.e2e.test_projects_ui import logged_in
from tests.flow import CONTRACTOR_A, LEADER, Flow, unmet_codes
from tests.integration.test_pdf import assert_pdf, pdf_text

MEMBERS = [LEADER, "xp-leader-2", "xp-leader-3", "xp-leader-4", "xp-leader-5"]


def held_to_quorum(flow: Flow, project_id: int, quorum: str) -> None:
    """The project held to its rule set with ``leader_quorum`` set (a county whose rules say so): the content is
    pinned and kept as any version is."""
    doc = yaml.safe_load(Path(RULES_DIR / "xx-2024.yaml").read_text(encoding="utf-8"))
    doc["acceptance"]["leader_quorum"] = quorum
    doc["acceptance"]["leader_quorum_clause"] = "县领导小组议事规则（示例）：五分之三以上成员同意"
    pinned = rulesets.pin(doc)
    with flow.db.writing() as tx:
        rulesets.keep(tx.session, pinned)
        tx.session.execute(update(Project).where(Project.id == project_id).values(rule_sha256=pinned.sha256))
        tx.commit()


def notice_clear(flow: Flow, quorum: str | None = "3/5") -> dict[str, Any]:
    """Contract A's stage acceptance published and its notice ended, the group of five formed."""
    for name in MEMBERS[1:]:
        flow.user(name, "leader")
    project, a, _ = flow.selected_project()
    if quorum:
        held_to_quorum(flow, project["id"], quorum)
    acceptance = flow.in_notice(project, a, CONTRACTOR_A)
    flow.set_clock(datetime.fromisoformat(acceptance["notice"]["ends_at"]) + timedelta(hours=1))
    cleared = flow.act_ok(acceptance, "close_notice")
    assert cleared["state"] == "notice_clear"
    return cleared


def vote(flow: Flow, acceptance: dict[str, Any], who: str, choice: str, opinion: str = "同意验收结论") -> Any:
    return flow.act(acceptance, "vote", who, vote=choice, opinion=opinion)


def test_five_members_with_one_recused_approve_when_three_vote_yes(flow: Flow) -> None:
    acceptance = notice_clear(flow)
    alone = flow.act(acceptance, "approve", LEADER)
    assert alone.status_code == 409 and unmet_codes(alone) == ["group_votes"]
    recused = flow.act_ok(acceptance, "recuse", MEMBERS[4], reason="本人与承办企业存在亲属关系")
    assert recused["state"] == "notice_clear"
    assert flow.act(acceptance, "vote", MEMBERS[4], vote="approve").status_code == 409  # recused: no vote
    assert flow.ok(vote(flow, acceptance, MEMBERS[0], "approve"))["state"] == "notice_clear"
    again = vote(flow, acceptance, MEMBERS[0], "approve")
    assert again.status_code == 409 and unmet_codes(again) == ["already_voted"]
    assert flow.ok(vote(flow, acceptance, MEMBERS[1], "reject", "建设内容与合同不完全一致"))["state"] == "notice_clear"
    assert flow.ok(vote(flow, acceptance, MEMBERS[2], "approve"))["state"] == "notice_clear"
    approved = flow.ok(vote(flow, acceptance, MEMBERS[3], "approve"))
    assert approved["state"] == "approved" and approved["approved_by"] == flow.user_ids[MEMBERS[3]]
    assert [(v["username"], v["vote"]) for v in approved["votes"]] == [
        (MEMBERS[4], "recuse"), (MEMBERS[0], "approve"), (MEMBERS[1], "reject"), (MEMBERS[2], "approve"),
        (MEMBERS[3], "approve")]
    entries = [e for e in flow.audit_actions(acceptance["project_id"])
               if e["action"] in ("acceptance.vote", "acceptance.recuse")]
    assert len(entries) == 5 and entries[-1]["data"]["approvals"] == 3 and entries[-1]["data"]["required"] == 3
    assert entries[-1]["data"]["recused"] == 1 and entries[-1]["to_state"] == "approved"


def test_the_minutes_print_who_voted_what_and_when(flow: Flow) -> None:
    acceptance = notice_clear(flow)
    minutes = f"/acceptances/{acceptance['id']}/minutes.pdf"
    early = flow.get(minutes)
    assert early.status_code == 409 and unmet_codes(early) == ["no_votes"]
    flow.act_ok(acceptance, "recuse", MEMBERS[4], reason="本人与承办企业存在亲属关系")
    flow.ok(vote(flow, acceptance, MEMBERS[0], "approve", "建设内容与合同一致，同意"))
    text = "".join(pdf_text(assert_pdf(flow.get(minutes, CONTRACTOR_A))).split())
    assert "领导小组会签记录" in text and "本人与承办企业存在亲属关系" in text and "建设内容与合同一致" in text
    assert MEMBERS[0] in text and "回避" in text and "须3人同意" in text and "3/5" in text


def test_the_result_fails_once_approval_can_no_longer_be_reached(flow: Flow) -> None:
    acceptance = notice_clear(flow)
    assert flow.ok(vote(flow, acceptance, MEMBERS[0], "reject", "不同意"))["state"] == "notice_clear"
    assert flow.ok(vote(flow, acceptance, MEMBERS[1], "reject", "不同意"))["state"] == "notice_clear"
    failed = flow.ok(vote(flow, acceptance, MEMBERS[2], "reject", "不同意"))  # 0 + 2 left < 3 of 5
    assert failed["state"] == "failed"
    late = vote(flow, acceptance, MEMBERS[3], "approve")
    assert late.status_code == 409


def test_without_a_rule_the_majority_decides_and_a_group_of_one_approves_alone(flow: Flow) -> None:
    acceptance = notice_clear(flow, quorum=None)
    for who in MEMBERS[:2]:
        assert flow.ok(vote(flow, acceptance, who, "approve"))["state"] == "notice_clear"
    assert flow.ok(vote(flow, acceptance, MEMBERS[2], "approve"))["state"] == "approved"  # 3 of 5


@pytest.mark.parametrize("quorum", ["2/3x", "0/5", "6/5", "half"])
def test_a_rule_set_with_a_quorum_that_means_nothing_is_refused(quorum: str) -> None:
    doc = yaml.safe_load(Path(RULES_DIR / "xx-2024.yaml").read_text(encoding="utf-8"))
    doc["acceptance"]["leader_quorum"] = quorum
    with pytest.raises(ValueError, match="leader_quorum"):
        rulesets.parse(doc)


def test_a_member_votes_on_the_acceptance_page_and_sees_the_group_s_votes(app: Any, flow: Flow) -> None:
    acceptance = notice_clear(flow)
    client, token = logged_in(app, MEMBERS[1])
    page = client.get(f"/acceptances/{acceptance['id']}").get_data(as_text=True)
    assert 'data-event="vote"' in page and 'data-event="recuse"' in page and 'data-testid="blocked-approve"' in page
    refused = client.post(f"/acceptances/{acceptance['id']}/events",
                          data={"csrf_token": token, "event": "vote", "vote": "maybe", "opinion": "再议"})
    assert refused.status_code == 422 and "再议" in refused.get_data(as_text=True)
    done = client.post(f"/acceptances/{acceptance['id']}/events",
                       data={"csrf_token": token, "event": "vote", "vote": "approve", "opinion": "同意验收结论"})
    assert done.status_code == 302
    page = client.get(f"/acceptances/{acceptance['id']}").get_data(as_text=True)
    assert 'data-testid="votes"' in page and "同意验收结论" in page and 'data-testid="minutes-pdf"' in page
    assert 'data-testid="blocked-vote"' in page and "不能再次表决" in page  # voted once
