"""Seed 003 from plan to closure through the HTTP API (SPEC §5.1, §5.2, §8), on SQLite and PostgreSQL.

The plan (example "003", 霞浦县 as the stand-in county, rule set xx-2024, 1000万) is filed, tendered by
item, contracted to two companies (lines 1–2 to A for 650万, lines 3–5 to B for 350万), and each
contract passes a stage and a final acceptance with a public notice before the city evaluates it.
"""

from typing import Any

from tests.flow import (
    CONTRACTOR_A,
    CONTRACTOR_B,
    FINANCE,
    INSPECTOR,
    LEADER,
    NOTICE_ENDS_ON,
    SUPERVISOR,
    TENDER,
    Flow,
    unmet_codes,
)
from tests.helpers import example

EVALUATOR = "第三方评估机构"


def actuals() -> list[dict[str, str]]:
    """An actual value for every target of seed 003's plan (each at or above its target)."""
    return [{"name": t["name"], "actual": str(t["target"])} for t in example("003")["targets"]]


def run_to_final_audit(flow: Flow) -> tuple[int, list[str]]:
    """Walk seed 003 to ``final_audit``; return the project id and the audit actions each step should write."""
    steps: list[str] = []
    project = flow.create_project()
    pid = project["id"]
    steps.append("project.create")
    assert [line["amount"] for line in project["lines"]] == [
        "1500000.00", "5000000.00", "1500000.00", "1000000.00", "1000000.00"]

    flow.fire_ok(pid, "file")
    steps.append("project.file")
    assert flow.fire_ok(pid, "open_tender", **TENDER)["state"] == "tendered"
    steps.append("project.open_tender")

    a = flow.contract_a(project)
    b = flow.contract_b(project)
    steps += ["contract.sign", "contract.sign"]
    assert a["contractor"]["eligible"] is True and b["contractor"]["eligible"] is True

    project = flow.fire_ok(pid, "select_contractor")
    steps.append("project.select_contractor")
    assert project["state"] == "contractor_selected"
    assert project["contracted"] == "10000000.00" and project["surplus"] == "0.00"

    for kind in ("stage", "final"):
        published: list[dict[str, Any]] = []
        for contract, contractor in ((a, CONTRACTOR_A), (b, CONTRACTOR_B)):
            # The stage accepts the first line delivered; the final acceptance covers the rest (issue 17).
            named = {"line_ids": contract["line_ids"][:1]} if kind == "stage" else {}
            acceptance = flow.ok(flow.apply(contract, contractor, kind, **named), 201)
            steps.append("acceptance.apply")
            assert acceptance["state"] == "applied" and acceptance["kind"] == kind
            if kind == "stage" and contract is a:
                steps.append("project.start_acceptance")  # fired by the first application
                assert flow.project(pid)["state"] == "staged_acceptance"
            flow.act_ok(acceptance, "start_review")
            passed = flow.act_ok(acceptance, "pass",
                                 verdicts=flow.verdicts(project, contract, "1.00", acceptance=acceptance))
            covered = set(contract["line_ids"][:1]) if kind == "stage" else set(contract["line_ids"][1:])
            assert {v["line_id"] for v in passed["verdicts"]} == covered
            notice = flow.publish(acceptance)
            assert notice["state"] == "in_notice"
            steps += ["acceptance.start_review", "acceptance.pass", "acceptance.finance_recheck", "acceptance.publish"]
            published.append(notice)

        # Stage notices go out on Friday 2024-09-27 and run over the National Day holiday; the final
        # ones go out on 2024-10-11 (Beijing) and count Saturday 10-12, a make-up working day.
        assert {n["notice"]["ends_on"] for n in published} == {NOTICE_ENDS_ON if kind == "stage" else "2024-10-17"}
        flow.after_notice(published[-1])
        for notice in published:
            assert flow.act_ok(notice, "close_notice")["state"] == "notice_clear"
            approved = flow.act_ok(notice, "approve", LEADER)
            assert approved["state"] == "approved"
            steps += ["acceptance.close_notice", "acceptance.approve"]

        if kind == "stage":
            refused = flow.fire(pid, "request_final_audit")
            assert refused.status_code == 409
            assert unmet_codes(refused) == ["final_acceptance_missing", "final_acceptance_missing"]

    assert flow.fire_ok(pid, "request_final_audit")["state"] == "final_audit"
    steps.append("project.request_final_audit")
    return pid, steps


def cause_before_effect(actions: list[str]) -> list[str]:
    """The automatic ``start_acceptance`` may be logged just before the application that fired it."""
    out = list(actions)
    for i in range(len(out) - 1):
        if out[i] == "project.start_acceptance" and out[i + 1] == "acceptance.apply":
            out[i], out[i + 1] = out[i + 1], out[i]
            break
    return out


def test_seed_003_goes_from_plan_to_closed_with_one_audit_entry_per_step(flow: Flow) -> None:
    pid, steps = run_to_final_audit(flow)
    closed = flow.fire_ok(pid, "pass_audit", SUPERVISOR, evaluator=EVALUATOR, targets=actuals())
    steps.append("project.pass_audit")
    assert closed["state"] == "closed"
    assert {t["name"]: t["actual"] for t in closed["targets"]} == {t["name"]: t["actual"] for t in actuals()}

    entries = flow.audit_actions(pid)
    assert cause_before_effect([e["action"] for e in entries]) == steps
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    project_moves = [(e["action"], e["from_state"], e["to_state"]) for e in entries
                     if e["action"].startswith("project.") and e["action"] != "project.create"]
    assert project_moves == [
        ("project.file", "plan_drafted", "filed"),
        ("project.open_tender", "filed", "tendered"),
        ("project.select_contractor", "tendered", "contractor_selected"),
        ("project.start_acceptance", "contractor_selected", "staged_acceptance"),
        ("project.request_final_audit", "staged_acceptance", "final_audit"),
        ("project.pass_audit", "final_audit", "closed"),
    ]
    assert entries[-1]["actor"]["username"] == SUPERVISOR

    verify = flow.ok(flow.get("/audit/verify", INSPECTOR))
    assert verify["ok"] is True and verify["entries"] >= len(steps)


def test_pass_audit_needs_an_actual_for_every_target_and_only_for_the_plans_targets(flow: Flow) -> None:
    pid, _ = run_to_final_audit(flow)
    targets = actuals()[1:] + [{"name": "网络零售额", "actual": "1"}]
    resp = flow.fire(pid, "pass_audit", SUPERVISOR, evaluator=EVALUATOR, targets=targets)
    assert resp.status_code == 409
    assert sorted(unmet_codes(resp)) == ["target_actual_missing", "unknown_target"]
    unmet = resp.get_json()["unmet"]
    assert any(actuals()[0]["name"] in u["message"] for u in unmet)
    assert flow.project(pid)["state"] == "final_audit"


def test_a_failed_evaluation_recovers_at_most_what_was_disbursed_and_settles_into_closed(flow: Flow) -> None:
    pid, _ = run_to_final_audit(flow)
    assert flow.fire(pid, "pass_audit", evaluator=EVALUATOR, targets=actuals()).status_code == 403  # commerce
    too_much = flow.fire(pid, "fail_audit", SUPERVISOR, evaluator=EVALUATOR, targets=actuals(), amount="1.00")
    assert too_much.status_code == 409
    assert unmet_codes(too_much) == ["not_yet_disbursed", "recovery_above_disbursed"]
    project = flow.fire_ok(pid, "fail_audit", SUPERVISOR, evaluator=EVALUATOR, targets=actuals(), amount="0.00")
    assert project["state"] == "clawback" and project["disbursed"] == "0.00"
    assert project["recoveries"] == [] and project["outstanding"] == "0.00"  # nothing paid, nothing to recover
    settled = flow.fire_ok(pid, "settle_clawback", FINANCE)
    assert settled["state"] == "closed"
    actions = [e["action"] for e in flow.audit_actions(pid)]
    assert actions[-3:] == ["project.request_final_audit", "project.fail_audit", "project.settle_clawback"]
