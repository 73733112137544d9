"""Plans that live (issue 16): a draft is edited and withdrawn, a filed plan is amended with the supervisor's
approval into versions, a project keeps the rules it was created under, and funds are spent as they arrive.
"""

import shutil
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from disburse.adapters import rulesets
from disburse.services import scheduling
from tests.flow import (
    COMMERCE,
    CONTRACTOR_A,
    FINANCE,
    SUPERVISOR,
    TENDER,
    Flow,
    unmet_codes,
)
from tests.helpers import example, small_plan
from tests.server_process import FINANCE_2

KAZUO = "211324"  # 喀喇沁左翼蒙古族自治县, seed 002
KAZUO_COMMERCE, KAZUO_SUPERVISOR = "kz-commerce", "cy-supervisor"


def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_json())
    body: dict[str, Any] = resp.get_json()
    return body


def put_plan(flow: Flow, pid: int, plan: dict[str, Any], as_: str = COMMERCE) -> Any:
    return flow.client.put(f"/api/v1/projects/{pid}/plan", json=plan, headers=flow.h(as_))


def actions(flow: Flow, pid: int) -> list[str]:
    return [e["action"] for e in flow.audit_actions(pid)]


# --- a draft is edited, completed and filed; a filed plan is not edited ---------------------------------


def completed_002(draft: dict[str, Any]) -> dict[str, Any]:
    """Seed 002's plan with amounts on every line (test data: the seed gives only the 1500万 total), the
    lines keeping their ids."""
    plan = Flow.plan_of(draft, "002")
    share = Decimal(1500) / len(plan["lines"])
    amounts = [share.quantize(Decimal("0.0001")) for _ in plan["lines"]]
    amounts[-1] = Decimal(1500) - sum(amounts[:-1])
    for line, amount in zip(plan["lines"], amounts, strict=True):
        line["amount"] = f"{amount}"
    return plan


def test_seed_002_goes_in_as_a_draft_is_completed_by_put_and_filed_and_a_filed_plan_is_not_put(flow: Flow) -> None:
    flow.user(KAZUO_COMMERCE, "commerce", KAZUO)
    draft = flow.ok(flow.post("/projects", example("002"), KAZUO_COMMERCE), 201)
    assert draft["state"] == "plan_drafted" and all(line["amount"] is None for line in draft["lines"])
    assert "line_amount_missing" in unmet_codes(flow.fire(draft["id"], "file", KAZUO_COMMERCE))

    edited = flow.ok(put_plan(flow, draft["id"], completed_002(draft), KAZUO_COMMERCE))
    assert [line["id"] for line in edited["lines"]] == [line["id"] for line in draft["lines"]]  # the same lines
    assert sum(Decimal(line["amount"]) for line in edited["lines"]) == Decimal("15000000.00")
    assert edited["plan_version"] == 1 and edited["rule_set"] == "national-2019"
    entry = [e for e in flow.audit_actions(draft["id"], KAZUO_COMMERCE) if e["action"] == "project.edit_plan"][-1]
    changed = entry["data"]["changes"]
    assert len(changed) == len(draft["lines"]) and changed[0]["old"] is None and changed[0]["new"]
    assert "金额" in changed[0]["zh"] and "amount" in changed[0]["en"]

    filed = flow.fire_ok(draft["id"], "file", KAZUO_COMMERCE)
    assert filed["state"] == "filed"
    refused = put_plan(flow, draft["id"], completed_002(draft), KAZUO_COMMERCE)
    assert problem(refused, 409)["unmet"][0]["code"] == "wrong_state"


def test_a_draft_keeps_its_county_and_its_own_lines(flow: Flow) -> None:
    draft = flow.create_project()
    plan = Flow.plan_of(draft)
    assert put_plan(flow, draft["id"], {**plan, "region": "350922"}).status_code == 422
    plan["lines"][0]["id"] = 10**9
    assert "lines.0.id" in problem(put_plan(flow, draft["id"], plan), 422)["errors"]
    untagged = Flow.plan_of(draft)
    untagged["lines"][0]["tags"] = []
    flow.ok(put_plan(flow, draft["id"], untagged))  # a draft may leave a line untagged …
    assert "line_untagged" in unmet_codes(flow.fire(draft["id"], "file"))  # … not a filed plan


def test_a_draft_never_filed_is_withdrawn_and_one_filed_before_is_not(flow: Flow) -> None:
    draft = flow.create_project()
    assert flow.delete(f"/projects/{draft['id']}").status_code == 204
    assert flow.project(draft["id"])["state"] == "withdrawn"
    assert draft["id"] not in [p["id"] for p in flow.ok(flow.get("/projects"))["items"]]
    assert actions(flow, draft["id"])[-1] == "project.withdraw"

    other = flow.create_project()
    flow.fire_ok(other["id"], "file")
    flow.fire_ok(other["id"], "return_for_revision", SUPERVISOR, note="请按意见修改")
    refused = flow.delete(f"/projects/{other['id']}")
    assert unmet_codes(refused) == ["filed_before"]


# --- amendments ---------------------------------------------------------------------------------------


@pytest.fixture
def contracted(flow: Flow) -> tuple[dict[str, Any], dict[str, Any]]:
    """Seed 003 with contractor A on lines 1–2 (650万) only: lines 3–5 are not covered by any contract."""
    project = flow.tendered_project()
    a = flow.contract_a(project)
    return flow.fire_ok(project["id"], "select_contractor"), a


def amended(project: dict[str, Any], **amounts: str) -> dict[str, Any]:
    """The plan in force with the given lines' amounts (in 万元) changed: ``line4="50"``."""
    plan = Flow.plan_of(project)
    for key, amount in amounts.items():
        plan["lines"][int(key.removeprefix("line")) - 1]["amount"] = amount
    return plan


def propose(flow: Flow, project: dict[str, Any], plan: dict[str, Any], reason: str = "按市商务局意见调整") -> Any:
    return flow.post(f"/projects/{project['id']}/amendments", {"plan": plan, "reason": reason})


def test_money_moved_between_two_uncovered_lines_becomes_version_2_on_the_supervisors_approval(
        flow: Flow, contracted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    project, _ = contracted
    proposal = flow.ok(propose(flow, project, amended(project, line4="50", line5="150")), 201)
    assert proposal["state"] == "proposed" and proposal["base_version"] == 1
    assert [(c["old"], c["new"]) for c in proposal["changes"]] == [("1000000.00", "500000.00"),
                                                                    ("1000000.00", "1500000.00")]
    assert flow.ok(flow.get(f"/amendments/{proposal['id']}", SUPERVISOR))["allowed_events"] == ["approve", "reject"]
    assert flow.project(project["id"])["plan_version"] == 1  # nothing changes before the approval

    approved = flow.ok(flow.post(f"/amendments/{proposal['id']}/events", {"event": "approve"}, SUPERVISOR))
    assert approved["state"] == "approved"
    now = flow.project(project["id"])
    assert now["plan_version"] == 2 and now["state"] == "contractor_selected"  # the project's state stays
    assert [line["amount"] for line in now["lines"][3:]] == ["500000.00", "1500000.00"]
    versions = flow.ok(flow.get(f"/projects/{project['id']}/versions"))
    assert [(v["number"], v["in_force"]) for v in versions] == [(1, False), (2, True)]
    assert versions[1]["reason"] == "按市商务局意见调整" and versions[1]["approved_by"] is not None
    assert len(versions[1]["changes"]) == 2 and "建设内容" in versions[1]["summary"]["zh"]
    before = flow.ok(flow.get(f"/projects/{project['id']}?version=1"))
    assert before["plan_version"] == 1 and [line["amount"] for line in before["lines"][3:]] == ["1000000.00"] * 2
    trail = [a for a in actions(flow, project["id"]) if a.startswith("amendment.")]
    assert trail == ["amendment.propose", "amendment.approve"]


def test_an_amendment_cutting_a_contracted_line_below_its_contract_is_refused_naming_the_contract(
        flow: Flow, contracted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    project, a = contracted
    refused = propose(flow, project, amended(project, line2="400", line3="250"))
    body = problem(refused, 409)
    cut = [u for u in body["unmet"] if u["code"] == "contracted_line_cut"]
    assert cut and f"{a['id']}" in cut[0]["message_en"] and "标段一" in cut[0]["message"]
    gone = amended(project)
    del gone["lines"][0]
    gone["lines"][1]["amount"] = "300"
    assert "contracted_line_removed" in unmet_codes(propose(flow, project, gone))


def test_the_supervisor_rejects_with_a_note_the_author_withdraws_and_one_amendment_is_open_at_a_time(
        flow: Flow, contracted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    project, _ = contracted
    first = flow.ok(propose(flow, project, amended(project, line4="90", line5="110")), 201)
    assert unmet_codes(propose(flow, project, amended(project, line4="80", line5="120"))) == ["amendment_open"]
    without = flow.post(f"/amendments/{first['id']}/events", {"event": "reject"}, SUPERVISOR)
    assert "note" in problem(without, 422)["errors"]
    rejected = flow.ok(flow.post(f"/amendments/{first['id']}/events", {"event": "reject", "note": "依据不足"},
                                 SUPERVISOR))
    assert rejected["state"] == "rejected" and rejected["note"] == "依据不足"
    second = flow.ok(propose(flow, project, amended(project, line4="80", line5="120")), 201)
    assert flow.post(f"/amendments/{second['id']}/events", {"event": "approve"}).status_code == 403  # commerce
    withdrawn = flow.ok(flow.post(f"/amendments/{second['id']}/events", {"event": "withdraw"}))
    assert withdrawn["state"] == "withdrawn"
    assert flow.project(project["id"])["plan_version"] == 1
    assert [a for a in actions(flow, project["id"]) if a.startswith("amendment.")] == [
        "amendment.propose", "amendment.reject", "amendment.propose", "amendment.withdraw"]


def test_a_draft_is_edited_not_amended(flow: Flow) -> None:
    draft = flow.create_project()
    assert unmet_codes(propose(flow, draft, Flow.plan_of(draft))) == ["project_not_amendable"]


# --- pinned rules -------------------------------------------------------------------------------------


@pytest.fixture
def rule_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of config/rules the test may change, in place of the shipped one."""
    copy = tmp_path / "rules"
    shutil.copytree(rulesets.RULES_DIR, copy)
    monkeypatch.setattr(rulesets, "RULES_DIR", copy)
    rulesets.load.cache_clear()
    yield copy
    rulesets.load.cache_clear()


def test_a_changed_rule_file_does_not_change_an_existing_projects_check(flow: Flow, rule_files: Path) -> None:
    flow.user("fy-commerce", "commerce", "530325")
    before = flow.ok(flow.post("/projects", small_plan(), "fy-commerce"), 201)  # the service centre exactly 15 %
    assert before["rule_version"] == 1
    path = rule_files / "qujing-2018.yaml"
    (rule_files / "qujing-2018").mkdir()
    shutil.copy(path, rule_files / "qujing-2018" / "v1.yaml")  # the old version stays loadable
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["version"] = 2
    doc["caps"][0]["max_share"] = "0.10"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    rulesets.load.cache_clear()

    after = flow.ok(flow.post("/projects", small_plan(), "fy-commerce"), 201)
    assert after["rule_version"] == 2
    assert "share_above_cap" in unmet_codes(flow.fire(after["id"], "file", "fy-commerce"))
    assert flow.fire_ok(before["id"], "file", "fy-commerce")["state"] == "filed"  # held to version 1
    assert flow.project(before["id"], "fy-commerce")["rule_version"] == 1



def test_a_project_moves_to_a_new_rule_version_only_by_an_approved_amendment(flow: Flow, rule_files: Path) -> None:
    project = flow.fire_ok(flow.create_project()["id"], "file")  # seed 003 under xx-2024 version 1
    path = rule_files / "xx-2024.yaml"
    (rule_files / "xx-2024").mkdir()
    shutil.copy(path, rule_files / "xx-2024" / "v1.yaml")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["version"], doc["payment"]["approval_sla_days"] = 2, 7
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    rulesets.load.cache_clear()
    assert flow.project(project["id"])["rule_version"] == 1  # a new file changes nothing by itself

    plan = Flow.plan_of(project)
    plan["rule_version"] = 2
    proposal = flow.ok(propose(flow, project, plan, reason="适用新版资金管理办法"), 201)
    assert [(c["path"], c["old"], c["new"]) for c in proposal["changes"]] == [("rule_version", "1", "2")]
    flow.ok(flow.post(f"/amendments/{proposal['id']}/events", {"event": "approve"}, SUPERVISOR))
    assert flow.project(project["id"])["rule_version"] == 2
    moved = [e for e in flow.audit_actions(project["id"]) if e["action"] == "amendment.approve"]
    assert len(moved) == 1 and moved[0]["data"]["rule_version"] == 2

# --- funds as they arrive -----------------------------------------------------------------------------


def allocate(flow: Flow, project: dict[str, Any], amount: str, doc_no: str, source: str | None = None,
             on: str = "2024-09-01") -> Any:
    return flow.post(f"/projects/{project['id']}/allocations",
                     {"doc_no": doc_no, "source": source or project["funding"][0]["source"], "amount": amount,
                      "arrived_on": on}, FINANCE)


def test_an_xx_2024_payment_beyond_the_funds_arrived_waits_for_the_next_allocation(paying_flow: Flow) -> None:
    flow = paying_flow
    pid = flow.create_project()["id"]
    filed = flow.fire_ok(pid, "file")
    flow.ok(allocate(flow, filed, "1000000.00", "X财外指〔2024〕1号"), 201)
    flow.fire_ok(pid, "open_tender", **TENDER)
    project = flow.project(pid)
    a = flow.contract_a(project)
    flow.fire_ok(pid, "select_contractor")
    advance = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1950000.00"},
                                CONTRACTOR_A), 201)
    flow.ok(flow.post(f"/payments/{advance['id']}/events", {"event": "verify"}))
    refused = flow.post(f"/payments/{advance['id']}/events", {"event": "approve"}, FINANCE)
    body = problem(refused, 409)
    assert [u["code"] for u in body["unmet"]] == ["funds_not_arrived"]
    assert "1,000,000.00 元" in body["unmet"][0]["message"] and "1,950,000.00 元" in body["unmet"][0]["message"]
    assert "《XX县创建国家级电子商务进农村综合示范县工作实施方案》 五(一)4" in body["unmet"][0]["clause"]

    flow.ok(allocate(flow, filed, "2000000.00", "X财外指〔2024〕2号"), 201)
    approved = flow.ok(flow.post(f"/payments/{advance['id']}/events", {"event": "approve"}, FINANCE))
    assert approved["state"] == "approved"
    funds = flow.ok(flow.get(f"/projects/{pid}/allocations", FINANCE_2))
    assert funds["arrived"] == "3000000.00" and funds["sources"][0]["to_come"] == "7000000.00"
    assert [row["doc_no"] for row in funds["allocations"]] == ["X财外指〔2024〕1号", "X财外指〔2024〕2号"]


def test_allocations_stay_within_the_plan_and_name_one_of_its_sources(flow: Flow) -> None:
    filed = flow.fire_ok(flow.create_project()["id"], "file")
    assert "source" in problem(allocate(flow, filed, "1.00", "X1", source="地方配套"), 422)["errors"]
    assert unmet_codes(allocate(flow, filed, "10000000.01", "X2")) == ["allocation_above_plan"]
    assert allocate(flow, filed, "1.00", "X3", on="2099-01-01").status_code == 422  # not arrived yet
    assert flow.post(f"/projects/{filed['id']}/allocations", {"doc_no": "X4", "source": filed["funding"][0]["source"],
                                                              "amount": "1.00", "arrived_on": "2024-09-01"},
                     COMMERCE).status_code == 403
    draft = flow.create_project()
    assert unmet_codes(allocate(flow, draft, "1.00", "X5")) == ["plan_not_filed"]


def test_seed_000s_funding_is_recorded_as_two_allocations(flow: Flow) -> None:
    """Seed 000 §2(5): 首款结余 150万 and 尾款 500万 make the 650万 follow-up. The seed cites no allocating
    documents: the numbers below are examples, marked so."""
    flow.user("kp-commerce", "commerce", "652929")
    flow.user("kp-finance", "finance", "652929")
    created = flow.ok(flow.post("/projects", example("000"), "kp-commerce"), 201)
    filed = flow.fire_ok(created["id"], "file", "kp-commerce")
    surplus, final = (source["source"] for source in filed["funding"])
    for doc_no, source, amount in (("柯财建〔2020〕示例1号", surplus, "1500000.00"),
                                   ("新财建〔2020〕12号（示例）", final, "5000000.00")):
        flow.ok(flow.post(f"/projects/{filed['id']}/allocations", {"doc_no": doc_no, "source": source,
                                                                   "amount": amount, "arrived_on": "2020-10-15"},
                          "kp-finance"), 201)
    funds = flow.project(filed["id"], "kp-commerce")["funds"]
    assert [(s["source"], s["planned"], s["arrived"]) for s in funds["sources"]] == [
        (surplus, "1500000.00", "1500000.00"), (final, "5000000.00", "5000000.00")]


def test_funds_arrived_and_unpaid_for_90_days_remind_finance_and_the_supervisor_once(flow: Flow) -> None:
    """xx-2024's ``idle_days`` (a disburse default of 90): the finance bureau answers for the funds it received
    (seed 003 §5(1)2), so funds lying unpaid are brought to it and to the supervisor, once per arrival."""
    filed = flow.fire_ok(flow.create_project()["id"], "file")
    flow.ok(allocate(flow, filed, "1000000.00", "X财外指〔2024〕1号", on="2024-09-01"), 201)
    sh = ZoneInfo("Asia/Shanghai")
    assert scheduling.tick(flow.db, datetime(2024, 11, 29, 9, tzinfo=sh))["remind_idle_funds"] == 0  # 89 days
    assert scheduling.tick(flow.db, datetime(2024, 11, 30, 9, tzinfo=sh))["remind_idle_funds"] == 1
    assert scheduling.tick(flow.db, datetime(2024, 12, 7, 9, tzinfo=sh))["remind_idle_funds"] == 0  # once
    for user in (FINANCE, SUPERVISOR):
        notes = [n for n in flow.ok(flow.get("/me/notifications?per_page=200", user))["items"]
                 if n["kind"] == "idle_funds"]
        assert len(notes) == 1 and notes[0]["project_id"] == filed["id"]
        assert "1,000,000.00 元（100万元）" in notes[0]["subject"]
    assert not [n for n in flow.ok(flow.get("/me/notifications?per_page=200", COMMERCE))["items"]
                if n["kind"] == "idle_funds"]
    # a new arrival starts its own count
    flow.set_clock(datetime(2024, 12, 10, 9, tzinfo=sh))
    flow.ok(allocate(flow, filed, "500000.00", "X财外指〔2024〕2号", on="2024-12-10"), 201)
    assert scheduling.tick(flow.db, datetime(2025, 3, 10, 9, tzinfo=sh))["remind_idle_funds"] == 1
