"""Every guard, check and chooser of the three workflows, case by case, on plain facts (no database).

Each case names a registered function, the facts it looks at and what it answers: nothing when the
condition holds, else the codes of what is unmet (and the field, for a check on the event's data). The
completeness tests fail when a function is registered without a case that holds and one that fails, so
a new guard cannot go untested. Money cases sit on the boundaries: exactly at a cap passes, one fen
above fails.
"""

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from disburse.domain.acceptance_guards import (
    ACCEPTANCE_CHOOSERS,
    ACCEPTANCE_GUARDS,
    AcceptanceFacts,
    ObjectionFacts,
)
from disburse.domain.amendment_guards import AMENDMENT_GUARDS, AmendmentFacts, Committed
from disburse.domain.application_guards import APPLICATION_GUARDS, ApplicationFacts
from disburse.domain.citations import BURQIN, QUJING, XX_COUNTY, cite
from disburse.domain.contracts import DECLARATIONS, Contract, Contractor, Schedule, Stage
from disburse.domain.credit_code import check_char
from disburse.domain.payment_evidence import EVIDENCE_CHECKS
from disburse.domain.payment_gates import PAYMENT_GUARDS, AcceptanceRef, OtherPayment, PaymentFacts
from disburse.domain.plan import BudgetLine, FundingSource, Plan, Target
from disburse.domain.project_guards import PROJECT_GUARDS, ProjectFacts, SurplusClaim
from disburse.domain.recovery_guards import RECOVERY_CHOOSERS, RECOVERY_GUARDS, RecoveryFacts
from disburse.domain.rules import Prohibition, RuleSet, TagRule
from disburse.domain.unmet import Unmet
from disburse.services import acceptances

REGISTRIES: dict[str, Mapping[str, Callable[[Any], list[Unmet]]]] = {
    "project": PROJECT_GUARDS, "acceptance": ACCEPTANCE_GUARDS, "payment": {**PAYMENT_GUARDS, **EVIDENCE_CHECKS},
    "amendment": AMENDMENT_GUARDS, "recovery": RECOVERY_GUARDS, "application": APPLICATION_GUARDS}

Expected = tuple[str, str | None]


def unmet(code: str, field: str | None = None) -> Expected:
    """One unmet item a case expects: its code and, for a check on the event's data, its field."""
    return (code, field)


def case(registry: str, guard: str, why: str, facts: Any, *expected: Expected, marks: Any = ()) -> Any:
    return pytest.param(registry, guard, facts, expected, id=f"{registry} {guard}: {why}", marks=marks)


# --- project facts --------------------------------------------------------------------------------

QUJING_BUDGET = cite(QUJING, "五(一)")
RULES = RuleSet(
    id="test", version=1, title_zh="测试规则", title_en="Test rules",
    tags={"public_service_center": ("公共服务中心", "Public service centre"),
          "supply_chain": ("供应链体系", "Supply chain"), "training": ("电子商务培训", "Training")},
    prohibited=(Prohibition("buildings", "楼堂馆所建设", "Buildings", QUJING_BUDGET),),
    caps=(TagRule("public_service_center", Decimal("0.15"), QUJING_BUDGET, "不超过15%", "at most 15 %"),),
    floors=(TagRule("supply_chain", Decimal("0.50"), QUJING_BUDGET, "不低于50%", "at least 50 %"),),
)
TOTAL = Decimal("10000000.00")


def line(category: str, amount: str | None, *tags: str) -> BudgetLine:
    return BudgetLine(category=category, item=f"{category}建设", amount=None if amount is None else Decimal(amount),
                      tags=tags)


#: 1000万 at the edges of the rules: the service centre exactly 15 %, the supply chain exactly 50 %.
AT_THE_EDGES = (replace(line("公共服务中心", "1500000.00", "public_service_center"), id=1),
                replace(line("供应链体系", "5000000.00", "supply_chain"), id=2),
                replace(line("电子商务培训", "3500000.00", "training"), id=3))


def plan(lines: tuple[BudgetLine, ...] = AT_THE_EDGES, *, funding: str = "10000000.00",
         subtotals: dict[str, Decimal] | None = None, targets: tuple[str, ...] = ()) -> Plan:
    return Plan(name="测试县电子商务进农村综合示范项目", region="530325", rule_set="test", total=TOTAL,
                funding=(FundingSource("中央财政资金", Decimal(funding)),), lines=lines,
                subtotals=subtotals or {}, targets=tuple(Target(name) for name in targets))


ELIGIBLE = Contractor("富源县某电商公司", "91530325MA6K00001L", {key: True for key in DECLARATIONS})


def contract(lot: str = "一标段", amount: str = "5000000.00", lines: tuple[int, ...] = (1,),
             contractor: Contractor = ELIGIBLE, final_approved: bool = False) -> Contract:
    schedule = Schedule(Decimal("0.30"), (Stage("阶段一", Decimal("0.40")),), Decimal("0.30"))
    return Contract(lot, Decimal(amount), lines, contractor, schedule, final_approved=final_approved)


def project(**changes: Any) -> ProjectFacts:
    return replace(ProjectFacts(plan=plan(), rules=RULES, state="plan_drafted", project_id=7), **changes)


def claim(amount: str, available: str | None, same_county: bool = True) -> SurplusClaim:
    return SurplusClaim(3, Decimal(amount), None if available is None else Decimal(available), same_county)


def rounds(*outcomes: str) -> tuple[dict[str, Any], ...]:
    return tuple({"round": i, "method": "open", "packaging": "whole", "outcome": outcome}
                 for i, outcome in enumerate(outcomes, start=1))


PROJECT_CASES = [
    case("project", "every_line_has_amount", "every line with an amount passes", project()),
    case("project", "every_line_has_amount", "a line without an amount is named",
         project(plan=plan((*AT_THE_EDGES, line("物流", None)))), unmet("line_amount_missing")),
    case("project", "sums_match", "lines and funding summing to the total pass", project()),
    case("project", "sums_match", "a line still without an amount leaves the line sum to its own guard",
         project(plan=plan((*AT_THE_EDGES[:2], line("电子商务培训", None))))),
    case("project", "sums_match", "a plan without lines fails", project(plan=plan(())), unmet("no_lines")),
    case("project", "sums_match", "lines one fen short of the total fail",
         project(plan=plan((*AT_THE_EDGES[:2], line("电子商务培训", "3499999.99")))), unmet("lines_sum_mismatch")),
    case("project", "sums_match", "funding one fen above the total fails",
         project(plan=plan(funding="10000000.01")), unmet("funding_sum_mismatch")),
    case("project", "sums_match", "a printed subtotal that its lines make passes",
         project(plan=plan(subtotals={"供应链体系": Decimal("5000000.00")}))),
    case("project", "sums_match", "a printed subtotal its lines do not make fails",
         project(plan=plan(subtotals={"供应链体系": Decimal("4999999.99")})), unmet("subtotal_mismatch")),
    case("project", "sums_match", "a subtotal of a category without lines fails",
         project(plan=plan(subtotals={"物流": Decimal("1.00")})), unmet("subtotal_without_lines")),
    case("project", "budget_rules_hold", "a share exactly at the cap and exactly at the floor passes", project()),
    case("project", "budget_rules_hold", "the service centre one fen above 15 percent fails",
         project(plan=plan((line("公共服务中心", "1500000.01", "public_service_center"), AT_THE_EDGES[1],
                            line("电子商务培训", "3499999.99", "training")))), unmet("share_above_cap")),
    case("project", "budget_rules_hold", "the supply chain one fen below 50 percent fails",
         project(plan=plan((AT_THE_EDGES[0], line("供应链体系", "4999999.99", "supply_chain"),
                            line("电子商务培训", "3500000.01", "training")))), unmet("share_below_floor")),
    case("project", "budget_rules_hold", "a line tagged as a prohibited use fails",
         project(plan=plan((*AT_THE_EDGES[:2], line("电子商务培训", "3500000.00", "training", "buildings")))),
         unmet("prohibited_use")),
    case("project", "predecessor_surplus_available", "a plan funded by no predecessor passes", project()),
    case("project", "predecessor_surplus_available", "taking exactly the surplus left passes",
         project(surplus_claims=(claim("1500000.00", "1500000.00"),))),
    case("project", "predecessor_surplus_available", "taking one fen more than the surplus left fails",
         project(surplus_claims=(claim("1500000.01", "1500000.00"),)), unmet("predecessor_surplus_spent")),
    case("project", "predecessor_surplus_available", "a predecessor whose surplus is not known yet fails",
         project(surplus_claims=(claim("1.00", None),)), unmet("predecessor_surplus_unknown")),
    case("project", "predecessor_surplus_available", "a predecessor of another county fails",
         project(surplus_claims=(claim("1.00", "9.00", same_county=False),)), unmet("predecessor_elsewhere")),
    case("project", "tender_round_open", "an open latest round passes",
         project(tender_rounds=rounds("failed", "open"))),
    case("project", "tender_round_open", "no round at all fails", project(), unmet("no_open_round")),
    case("project", "tender_round_open", "a latest round that failed already fails",
         project(tender_rounds=rounds("failed")), unmet("no_open_round")),
    case("project", "tender_round_failed", "a latest round that failed passes",
         project(tender_rounds=rounds("failed"))),
    case("project", "tender_round_failed", "an open latest round fails even after an earlier failure",
         project(tender_rounds=rounds("failed", "open")), unmet("round_not_failed")),
    case("project", "tender_round_failed", "no round at all fails", project(), unmet("round_not_failed")),
    case("project", "has_contracts", "one signed contract passes", project(contracts=(contract(),))),
    case("project", "has_contracts", "no contract fails", project(), unmet("no_contract")),
    case("project", "contractors_eligible", "a contractor with a valid code and every declaration passes",
         project(contracts=(contract(),))),
    case("project", "contractors_eligible", "a wrong check character of the credit code fails",
         project(contracts=(contract(contractor=replace(ELIGIBLE, credit_code="91530325MA6K00001M")),)),
         unmet("contractor_ineligible")),
    case("project", "contractors_eligible", "each missing declaration is named",
         project(contracts=(contract(contractor=replace(ELIGIBLE, declarations={"sound_accounting": True})),)),
         unmet("contractor_ineligible"), unmet("contractor_ineligible")),
    case("project", "contracts_cover_plan", "contracts summing exactly to the total and their lines pass",
         project(contracts=(contract(amount="1500000.00", lines=(1,)),
                            contract("二标段", "8500000.00", lines=(2, 3))))),
    case("project", "contracts_cover_plan", "contracts one fen above the total fail",
         project(contracts=(contract(amount="1500000.00", lines=(1,)),
                            contract("二标段", "8500000.01", lines=(2, 3)))),
         unmet("contract_above_lines"), unmet("contracts_over_total")),
    case("project", "contracts_cover_plan", "a contract one fen above the budget of its lines fails",
         project(contracts=(contract(amount="1500000.01", lines=(1,)),)), unmet("contract_above_lines")),
    case("project", "contracts_cover_plan", "a line in two contracts fails",
         project(contracts=(contract(amount="1.00", lines=(1, 2)), contract("二标段", "1.00", lines=(2,)))),
         unmet("line_covered_twice")),
    case("project", "final_acceptances_approved", "every contract with its final acceptance approved passes",
         project(contracts=(contract(final_approved=True), contract("二标段", final_approved=True)))),
    case("project", "final_acceptances_approved", "each contract without one is named",
         project(contracts=(contract(final_approved=True), contract("二标段"), contract("三标段"))),
         unmet("final_acceptance_missing"), unmet("final_acceptance_missing")),
    case("project", "targets_evaluated", "an actual value for every planned target passes",
         project(plan=plan(targets=("培训人次", "网点数")),
                 data={"targets": [{"name": "网点数", "actual": "80"}, {"name": "培训人次", "actual": "3000"}]})),
    case("project", "targets_evaluated", "a planned target without an actual value fails",
         project(plan=plan(targets=("培训人次", "网点数")), data={"targets": [{"name": "网点数", "actual": "80"}]}),
         unmet("target_actual_missing")),
    case("project", "targets_evaluated", "a target the plan does not have fails",
         project(plan=plan(targets=("网点数",)),
                 data={"targets": [{"name": "网点数", "actual": "80"}, {"name": "快递量", "actual": "1"}]}),
         unmet("unknown_target")),
    case("project", "no_payment_in_flight", "nothing in flight passes", project(disbursed=Decimal("9.00"))),
    case("project", "no_payment_in_flight", "one fen in flight fails", project(in_flight=Decimal("0.01")),
         unmet("payment_in_flight")),
    case("project", "no_recovery_outstanding", "everything ordered back received passes", project()),
    case("project", "no_recovery_outstanding", "one fen still owed on a recovery fails",
         project(recovery_outstanding=Decimal("0.01")), unmet("recovery_outstanding")),
    case("project", "evaluation_document_of_project", "a verdict without a report passes", project()),
    case("project", "evaluation_document_of_project", "a report of this project passes",
         project(data={"document_id": 5}, document_project=7)),
    case("project", "evaluation_document_of_project", "a report of another project fails on its field",
         project(data={"document_id": 5}, document_project=8), unmet("document_not_of_project", "document_id")),
    case("project", "evaluation_document_of_project", "a report that does not exist fails on its field",
         project(data={"document_id": 5}), unmet("document_not_of_project", "document_id")),
    case("project", "every_line_tagged", "every line with a tag passes", project()),
    case("project", "every_line_tagged", "a line left untagged in a draft is named",
         project(plan=plan((*AT_THE_EDGES, line("物流", "1.00")))), unmet("line_untagged")),
    case("project", "never_filed", "a draft never filed passes", project()),
    case("project", "never_filed", "a draft returned for revision was filed before and fails", project(ever_filed=True),
         unmet("filed_before")),
    case("project", "edit_fits_the_project", "no plan sent passes", project()),
    case("project", "edit_fits_the_project", "the same county, known lines and no predecessor pass",
         project(edited=plan((replace(AT_THE_EDGES[0], id=1),)), county="530325",
                 plan=plan((replace(AT_THE_EDGES[0], id=1),)))),
    case("project", "edit_fits_the_project", "another county, a foreign line and an unknown predecessor fail",
         project(edited=replace(plan((replace(AT_THE_EDGES[0], id=99),)), region="530326",
                                funding=(FundingSource("结余", TOTAL, predecessor=4),)), county="530325"),
         unmet("county_changed", "region"), unmet("line_not_of_plan", "lines.0.id"),
         unmet("no_predecessor", "funding.0.predecessor")),
]


# --- acceptance facts -----------------------------------------------------------------------------

NOW = datetime(2024, 6, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NOTICE_ENDS = datetime(2024, 6, 8, 16, 0, tzinfo=UTC)  # 2024-06-09 00:00 in Shanghai
LINES = {11: Decimal("600000.00"), 12: Decimal("400000.00")}


def acceptance(**changes: Any) -> AcceptanceFacts:
    return replace(AcceptanceFacts(state="under_review", actor_id=5, now=NOW, line_amounts=LINES,
                                   project_state="staged_acceptance",
                                   project_state_label={"zh": "阶段验收", "en": "Staged acceptance"},
                                   stages=2, project_id=7, scope=(11, 12), contract_amount=Decimal("1000000.00")),
                   **changes)


def verdict(line_id: int, result: str = "pass", amount: str | None = None, note: str | None = None) -> dict[str, Any]:
    accepted = LINES.get(line_id, Decimal(1)) if amount is None else Decimal(amount)
    return {"line_id": line_id, "result": result, "accepted_amount": accepted, "note": note}


def verdicts(*given: dict[str, Any], **changes: Any) -> AcceptanceFacts:
    return acceptance(data={"verdicts": list(given)}, **changes)


RECHECKING = replace(RULES, finance_recheck=True, finance_recheck_clause=cite(XX_COUNTY, "五(二)3①"))


def noticed(now: datetime, *objections: tuple[int, str | None], **data: Any) -> AcceptanceFacts:
    return acceptance(state="objected", now=now, notice_ends_at=NOTICE_ENDS,
                      objections=tuple(ObjectionFacts(i, d) for i, d in objections), data=data)


def application(**data: Any) -> AcceptanceFacts:
    return acceptance(state="applied", data=data, documents={1: (7, None), 2: (8, None), 3: (7, 40)})


ACCEPTANCE_CASES = [
    case("acceptance", "group_of_one", "a group of one approves alone", acceptance(members=(5,))),
    case("acceptance", "group_of_one", "a group of several votes", acceptance(members=(5, 6)), unmet("group_votes")),
    case("acceptance", "group_of_several", "a group of several votes", acceptance(members=(5, 6))),
    case("acceptance", "group_of_several", "a group of one does not vote", acceptance(members=(5,)),
         unmet("group_of_one")),
    case("acceptance", "not_voted_yet", "a member who has not voted passes", acceptance(members=(5, 6))),
    case("acceptance", "not_voted_yet", "a member who voted fails",
         acceptance(members=(5, 6), votes={5: "approve"}), unmet("already_voted")),
    case("acceptance", "not_voted_yet", "a member who recused fails",
         acceptance(members=(5, 6), votes={5: "recuse"}), unmet("already_voted")),
    case("acceptance", "not_voted_yet", "a leader of no group here fails", acceptance(members=(6, 7)),
         unmet("not_a_member")),
    case("acceptance", "project_active", "a project in staged acceptance passes", acceptance()),
    *(case("acceptance", "project_active", f"a {state} project fails", acceptance(project_state=state),
           unmet("project_not_active")) for state in ("suspended", "closed", "clawback")),
    case("acceptance", "project_takes_applications", "a project that has selected its contractors passes",
         acceptance(project_state="contractor_selected")),
    case("acceptance", "project_takes_applications", "a project in staged acceptance passes", acceptance()),
    case("acceptance", "project_takes_applications", "a project still tendering fails",
         acceptance(project_state="tendered"), unmet("wrong_state")),
    case("acceptance", "project_takes_applications", "a project in its final audit fails",
         acceptance(project_state="final_audit"), unmet("wrong_state")),
    case("acceptance", "stage_in_schedule", "the first stage passes", application(kind="stage", stage=1)),
    case("acceptance", "stage_in_schedule", "the last stage of the schedule passes",
         application(kind="stage", stage=2)),
    case("acceptance", "stage_in_schedule", "a final acceptance names no stage", application(kind="final")),
    case("acceptance", "stage_in_schedule", "stage zero fails on its field", application(kind="stage", stage=0),
         unmet("stage_not_in_schedule", "stage")),
    case("acceptance", "stage_in_schedule", "a stage after the last fails on its field",
         application(kind="stage", stage=3), unmet("stage_not_in_schedule", "stage")),
    case("acceptance", "stage_in_schedule", "a stage acceptance without a stage fails on its field",
         application(kind="stage"), unmet("stage_not_in_schedule", "stage")),
    case("acceptance", "one_acceptance_per_stage", "the first application for a stage passes",
         application(kind="stage", stage=1)),
    case("acceptance", "one_acceptance_per_stage", "a second application for the same stage fails",
         replace(application(kind="stage", stage=1), existing=31), unmet("acceptance_exists")),
    case("acceptance", "documents_of_the_project", "no materials pass", application(kind="final")),
    case("acceptance", "documents_of_the_project", "an unattached document of the project passes",
         application(kind="final", document_ids=[1])),
    case("acceptance", "documents_of_the_project", "a document of another project fails on its field",
         application(kind="final", document_ids=[1, 2]), unmet("document_not_of_project", "document_ids")),
    case("acceptance", "documents_of_the_project", "a document attached to another acceptance fails on its field",
         application(kind="final", document_ids=[3]), unmet("document_not_of_project", "document_ids")),
    case("acceptance", "documents_of_the_project", "each unknown document fails on the field",
         application(kind="final", document_ids=[98, 99]), unmet("document_not_of_project", "document_ids"),
         unmet("document_not_of_project", "document_ids")),
    case("acceptance", "verdicts_complete", "one verdict per line at exactly the line amount passes",
         verdicts(verdict(11), verdict(12, "fail", "0.00"))),
    case("acceptance", "verdicts_complete", "accepting one fen above the line amount fails",
         verdicts(verdict(11, amount="600000.01"), verdict(12)), unmet("accepted_above_line")),
    case("acceptance", "verdicts_complete", "a line without a verdict fails", verdicts(verdict(11)),
         unmet("verdict_missing")),
    case("acceptance", "verdicts_complete", "a verdict on a line of another contract fails",
         verdicts(verdict(11), verdict(12), verdict(99)), unmet("verdict_unknown_line")),
    case("acceptance", "verdicts_complete", "two verdicts on one line fail",
         verdicts(verdict(11), verdict(11), verdict(12)), unmet("verdict_twice")),
    case("acceptance", "verdicts_complete", "a stage judges only the lines it covers",
         verdicts(verdict(11), scope=(11,))),
    case("acceptance", "verdicts_complete", "a verdict on a line the stage does not cover fails",
         verdicts(verdict(11), verdict(12), scope=(11,)), unmet("verdict_not_in_scope")),
    case("acceptance", "verdicts_complete", "a failed line accepting money fails",
         verdicts(verdict(11), verdict(12, "fail", "1.00")), unmet("failed_line_accepted")),
    case("acceptance", "pass_verdicts_hold", "every line passed passes", verdicts(verdict(11), verdict(12))),
    case("acceptance", "pass_verdicts_hold", "a stage passes with one line passed and one failed",
         verdicts(verdict(11), verdict(12, "fail", "0.00"))),
    case("acceptance", "pass_verdicts_hold", "a stage with no line passed fails",
         verdicts(verdict(11, "fail", "0.00"), verdict(12, "fail", "0.00")), unmet("no_line_passed")),
    case("acceptance", "pass_verdicts_hold", "the final acceptance names each failed line",
         verdicts(verdict(11, "fail"), verdict(12, "fail"), kind="final"), unmet("line_failed"), unmet("line_failed")),
    case("acceptance", "pass_verdicts_hold", "a reduction with its reason passes",
         verdicts(verdict(11, amount="500000.00", note="核减：少建一个站点"), verdict(12))),
    case("acceptance", "pass_verdicts_hold", "a reduction without a reason fails",
         verdicts(verdict(11, amount="500000.00"), verdict(12)), unmet("reduction_without_note")),
    case("acceptance", "lines_to_accept", "a stage naming its contract's lines passes",
         application(kind="stage", line_ids=[11])),
    case("acceptance", "lines_to_accept", "a stage naming no line covers what is left and passes",
         application(kind="stage")),
    case("acceptance", "lines_to_accept", "a line of another contract fails on its field",
         application(kind="stage", line_ids=[99]), unmet("line_not_of_contract", "line_ids")),
    case("acceptance", "lines_to_accept", "a line accepted already fails on its field",
         replace(application(kind="stage", line_ids=[11]), accepted_elsewhere={11: Decimal("1.00")}),
         unmet("line_accepted_already", "line_ids")),
    case("acceptance", "lines_to_accept", "a final acceptance naming lines fails on its field",
         application(kind="final", line_ids=[11]), unmet("final_names_lines", "line_ids")),
    case("acceptance", "accepted_within_contract", "accepting exactly the contract passes",
         acceptance(recorded={11: ("pass", Decimal("600000.00"))}, accepted_by_others=Decimal("400000.00"))),
    case("acceptance", "accepted_within_contract", "one fen above the contract fails",
         acceptance(recorded={11: ("pass", Decimal("600000.01")), 12: ("fail", Decimal(0))},
                    accepted_by_others=Decimal("400000.00")), unmet("accepted_above_contract")),
    case("acceptance", "recheck_in_rules", "a rule set with the re-check passes", acceptance(rules=RECHECKING)),
    case("acceptance", "recheck_in_rules", "a rule set without it fails", acceptance(rules=RULES),
         unmet("recheck_not_required")),
    case("acceptance", "rechecked_if_required", "no re-check in the rules passes", acceptance(rules=RULES)),
    case("acceptance", "rechecked_if_required", "a re-checked result passes",
         acceptance(rules=RECHECKING, rechecked=True)),
    case("acceptance", "rechecked_if_required", "publishing before the re-check fails",
         acceptance(rules=RECHECKING), unmet("finance_recheck_required")),
    case("acceptance", "recheck_document_of_project", "no document passes", acceptance()),
    case("acceptance", "recheck_document_of_project", "a document of the project passes",
         acceptance(data={"document_id": 1}, documents={1: (7, None)})),
    case("acceptance", "recheck_document_of_project", "another project's document fails on its field",
         acceptance(data={"document_id": 2}, documents={2: (8, None)}),
         unmet("document_not_of_project", "document_id")),
    case("acceptance", "some_line_fails", "one failed line passes", verdicts(verdict(11), verdict(12, "fail"))),
    case("acceptance", "some_line_fails", "every line passed fails", verdicts(verdict(11), verdict(12)),
         unmet("no_line_failed")),
    case("acceptance", "some_line_fails", "no verdicts at all fail", verdicts(), unmet("no_line_failed")),
    case("acceptance", "notice_open", "one second before the end passes",
         noticed(NOTICE_ENDS - timedelta(seconds=1))),
    case("acceptance", "notice_open", "at 24:00 of the last day fails", noticed(NOTICE_ENDS), unmet("notice_closed")),
    case("acceptance", "notice_open", "without a notice fails", acceptance(), unmet("notice_closed")),
    case("acceptance", "notice_ended", "at 24:00 of the last day passes", noticed(NOTICE_ENDS)),
    case("acceptance", "notice_ended", "one second before the end fails",
         noticed(NOTICE_ENDS - timedelta(seconds=1)), unmet("notice_not_ended")),
    case("acceptance", "notice_ended", "without a notice fails rather than raising", acceptance(),
         unmet("notice_not_ended")),
    case("acceptance", "objection_pending", "an undecided objection of this notice passes",
         noticed(NOW, (1, "dismiss"), (2, None), objection_id=2)),
    case("acceptance", "objection_pending", "an objection decided already fails",
         noticed(NOW, (1, "dismiss"), (2, None), objection_id=1), unmet("objection_decided")),
    case("acceptance", "objection_pending", "an objection of another notice fails",
         noticed(NOW, (1, None), objection_id=9), unmet("objection_unknown")),
    case("acceptance", "not_the_verdict_actor", "another user than the one who gave the verdict passes",
         acceptance(verdict_by=4)),
    case("acceptance", "not_the_verdict_actor", "the user who gave the verdict fails", acceptance(verdict_by=5),
         unmet("same_actor_as_verdict")),
    case("acceptance", "deadline_ahead", "a deadline tomorrow in Shanghai passes",
         acceptance(data={"deadline": date(2024, 6, 4)})),
    case("acceptance", "deadline_ahead", "a deadline today fails", acceptance(data={"deadline": date(2024, 6, 3)}),
         unmet("deadline_passed")),
    case("acceptance", "deadline_ahead", "a deadline that is still tomorrow in UTC but today in Shanghai fails",
         acceptance(now=datetime(2024, 6, 30, 16, 30, tzinfo=UTC), data={"deadline": date(2024, 7, 1)}),
         unmet("deadline_passed")),
]


# --- payment facts --------------------------------------------------------------------------------

CONTRACT = Decimal("1000000.00")


def payment(**changes: Any) -> PaymentFacts:
    """An advance of exactly 30 % of a 100万 contract, requested once contractors are selected."""
    return replace(PaymentFacts(
        kind="advance", amount=Decimal("300000.00"), contract_id=3, contract_amount=CONTRACT,
        advance_share=Decimal("0.30"), stage_shares=(Decimal("0.40"), Decimal("0.30")),
        advance_cap=Decimal("0.30"), advance_clause=cite(BURQIN, "六(二)2"), project_state="contractor_selected",
        project_total=TOTAL, contracts_total=CONTRACT, actor_id=9), **changes)


def accepted(state: str = "approved", *, contract_id: int = 3, kind: str = "stage", stage: int | None = 1,
             total: str = "400000.00", verdict_by: int | None = 5) -> AcceptanceRef:
    return AcceptanceRef(21, contract_id, kind, stage, state, Decimal(total), verdict_by)


def stage_payment(amount: str = "400000.00", **changes: Any) -> PaymentFacts:
    """The first stage's 40 % of the contract, relying on its approved stage acceptance."""
    return replace(payment(kind="stage", amount=Decimal(amount), project_state="staged_acceptance",
                           acceptance=accepted()), **changes)


def final_payment(amount: str = "300000.00", **changes: Any) -> PaymentFacts:
    """The rest of the contract after an advance and a stage payment, its final acceptance approved."""
    return replace(payment(kind="final", amount=Decimal(amount), project_state="final_audit",
                           final_acceptance_approved=True,
                           others=(paid(1, "advance", "300000.00"), paid(2, "stage", "400000.00", acceptance_id=21))),
                   **changes)


def subsidy(amount: str = "1000000.00", **changes: Any) -> PaymentFacts:
    """The whole of a 100万 award on its subsidy agreement, the work accepted and approved."""
    return replace(payment(kind="subsidy", amount=Decimal(amount), project_state="tendered", agreement=True,
                           advance_share=Decimal(0), stage_shares=(), final_acceptance_approved=True), **changes)


def paid(id: int, kind: str, amount: str, state: str = "disbursed", acceptance_id: int | None = None) -> OtherPayment:
    return OtherPayment(id, kind, Decimal(amount), state, acceptance_id)


def disbursing(day: date, **changes: Any) -> PaymentFacts:
    return payment(data={"voucher_no": "ZF-2024-001", "disbursed_on": day}, today=date(2024, 6, 3),
                   approved_on=date(2024, 6, 1), **changes)


PAYMENT_CASES = [
    case("payment", "no_fraud_recovery_open", "no open fraud recovery passes", payment()),
    case("payment", "no_fraud_recovery_open", "an open fraud recovery on the project fails",
         payment(fraud_recovery=61), unmet("fraud_recovery_open")),
    case("payment", "project_active", "a project in staged acceptance passes",
         payment(project_state="staged_acceptance")),
    *(case("payment", "project_active", f"a {state} project fails", payment(project_state=state),
           unmet("project_not_active")) for state in ("suspended", "closed", "clawback")),
    case("payment", "project_stage_allows_kind", "an advance once contractors are selected passes", payment()),
    case("payment", "project_stage_allows_kind", "an advance during staged acceptance passes",
         payment(project_state="staged_acceptance")),
    case("payment", "project_stage_allows_kind", "a final payment in the final audit passes", final_payment()),
    case("payment", "project_stage_allows_kind", "a suspended project is left to project_active",
         stage_payment(project_state="suspended")),
    case("payment", "project_stage_allows_kind", "an advance in the final audit fails",
         payment(project_state="final_audit"), unmet("project_stage")),
    case("payment", "project_stage_allows_kind", "a stage payment before acceptance starts fails",
         stage_payment(project_state="contractor_selected"), unmet("project_stage")),
    case("payment", "amount_positive", "one fen passes", payment(amount=Decimal("0.01"))),
    case("payment", "amount_positive", "zero fails", payment(amount=Decimal("0.00")), unmet("amount_not_positive")),
    case("payment", "advance_within_cap", "an advance of exactly 30 percent passes", payment()),
    case("payment", "advance_within_cap", "an advance one fen above 30 percent fails",
         payment(amount=Decimal("300000.01")), unmet("advance_above_cap")),
    case("payment", "advance_within_cap", "earlier advances disbursed or in flight count toward the cap",
         payment(amount=Decimal("100000.01"), others=(paid(1, "advance", "100000.00"),
                                                      paid(2, "advance", "100000.00", "requested"))),
         unmet("advance_above_cap")),
    case("payment", "advance_within_cap", "rejected and cancelled advances and other kinds do not count",
         payment(others=(paid(1, "advance", "300000.00", "rejected"), paid(2, "advance", "300000.00", "cancelled"),
                         paid(3, "stage", "400000.00")))),
    case("payment", "advance_within_cap", "a schedule share below the rule cap is the cap",
         payment(advance_share=Decimal("0.20"), amount=Decimal("200000.01")), unmet("advance_above_cap")),
    case("payment", "advance_within_cap", "a rule cap below the schedule share is the cap",
         payment(advance_cap=Decimal("0.25"), amount=Decimal("250000.01")), unmet("advance_above_cap")),
    case("payment", "advance_within_cap", "a stage payment is not an advance", stage_payment("900000.00")),
    case("payment", "advance_within_cap", "an advance half a fen above 30 percent of an odd amount fails",
         payment(contract_amount=Decimal("1000.05"), amount=Decimal("300.02")), unmet("advance_above_cap")),
    case("payment", "stage_acceptance_approved", "an approved stage acceptance of the contract passes",
         stage_payment()),
    case("payment", "stage_acceptance_approved", "an advance needs no acceptance", payment()),
    case("payment", "stage_acceptance_approved", "a stage payment naming no acceptance fails",
         stage_payment(acceptance=None), unmet("stage_acceptance_missing")),
    case("payment", "stage_acceptance_approved", "an acceptance of another contract fails",
         stage_payment(acceptance=accepted(contract_id=4)), unmet("stage_acceptance_missing")),
    case("payment", "stage_acceptance_approved", "a final acceptance fails",
         stage_payment(acceptance=accepted(kind="final", stage=None)), unmet("stage_acceptance_missing")),
    case("payment", "stage_acceptance_approved", "an acceptance still in its notice fails",
         stage_payment(acceptance=accepted("in_notice")), unmet("acceptance_not_approved")),
    case("payment", "one_payment_per_acceptance", "the first payment on an acceptance passes", stage_payment()),
    case("payment", "one_payment_per_acceptance", "rejected and cancelled payments on it do not count",
         stage_payment(others=(paid(1, "stage", "1.00", "rejected", 21), paid(2, "stage", "1.00", "cancelled", 21)))),
    case("payment", "one_payment_per_acceptance", "a payment requested on it already fails",
         stage_payment(others=(paid(1, "stage", "1.00", "requested", 21),)), unmet("acceptance_already_paid")),
    case("payment", "stage_within_share", "exactly the stage share and the accepted total passes", stage_payment()),
    case("payment", "stage_within_share", "one fen above the stage share fails",
         stage_payment("400000.01", acceptance=accepted(total="500000.00")), unmet("stage_above_share")),
    case("payment", "stage_within_share", "one fen above the accepted total fails",
         stage_payment("350000.01", acceptance=accepted(total="350000.00")), unmet("above_accepted_amount")),
    case("payment", "stage_within_share", "above both fails twice", stage_payment("400000.01"),
         unmet("stage_above_share"), unmet("above_accepted_amount")),
    case("payment", "within_accepted_amount", "before the final acceptance is approved it does not apply",
         final_payment("300000.01")),
    case("payment", "within_accepted_amount", "exactly what acceptance accepted, advances included, passes",
         final_payment("200000.00", accepted_approved=Decimal("900000.00"))),
    case("payment", "within_accepted_amount", "one fen above what acceptance accepted fails",
         final_payment("200000.01", accepted_approved=Decimal("900000.00")), unmet("above_accepted_amount")),
    case("payment", "stage_within_share", "a stage payment half a fen above its share of an odd amount fails",
         stage_payment("350.04", contract_amount=Decimal("1000.10"), stage_shares=(Decimal("0.35"),)),
         unmet("stage_above_share")),
    case("payment", "final_acceptance_approved", "an approved final acceptance passes", final_payment()),
    case("payment", "final_acceptance_approved", "no approved final acceptance fails",
         final_payment(final_acceptance_approved=False), unmet("final_acceptance_missing")),
    case("payment", "final_within_remaining", "exactly what remains passes", final_payment()),
    case("payment", "final_within_remaining", "one fen more than remains fails", final_payment("300000.01"),
         unmet("final_above_remaining")),
    case("payment", "final_within_remaining", "a rejected payment leaves its amount remaining",
         final_payment("700000.00", others=(paid(1, "advance", "300000.00"), paid(2, "stage", "400000.00",
                                                                                 "rejected", 21)))),
    case("payment", "contract_not_exceeded", "reaching exactly the contract amount passes",
         final_payment(others=(paid(1, "advance", "300000.00"), paid(2, "stage", "400000.00", "approved", 21)))),
    case("payment", "contract_not_exceeded", "one fen above the contract amount with payments in flight fails",
         final_payment("300000.01", others=(paid(1, "advance", "300000.00", "verified"),
                                            paid(2, "stage", "400000.00", "requested", 21))),
         unmet("contract_exceeded")),
    case("payment", "kind_fits_contract", "an advance on a procured contract passes", payment()),
    case("payment", "kind_fits_contract", "an advance on a subsidy agreement fails", payment(agreement=True),
         unmet("agreement_pays_subsidy")),
    case("payment", "kind_fits_contract", "a subsidy on a subsidy agreement passes", subsidy()),
    case("payment", "kind_fits_contract", "a subsidy on a procured contract fails", subsidy(agreement=False),
         unmet("subsidy_needs_award")),
    case("payment", "subsidy_acceptance_approved", "a subsidy on approved accepted work passes", subsidy()),
    case("payment", "subsidy_acceptance_approved", "a subsidy before the acceptance is approved fails",
         subsidy(final_acceptance_approved=False), unmet("subsidy_acceptance_missing")),
    case("payment", "subsidy_acceptance_approved", "an advance is not a subsidy", payment()),
    case("payment", "subsidy_within_award", "exactly the award passes", subsidy()),
    case("payment", "subsidy_within_award", "one fen above the award, another subsidy in flight, fails",
         subsidy("500000.01", others=(paid(1, "subsidy", "500000.00", "verified"),)), unmet("subsidy_above_award")),
    case("payment", "subsidy_within_award", "a rejected subsidy leaves the award whole",
         subsidy("1000000.00", others=(paid(1, "subsidy", "500000.00", "rejected"),))),
    case("payment", "project_stage_allows_kind", "a subsidy on a filed project passes",
         subsidy(project_state="filed")),
    case("payment", "project_stage_allows_kind", "a subsidy on a draft plan fails", subsidy(project_state="draft"),
         unmet("project_stage")),
    case("payment", "contract_not_exceeded", "a subsidy agreement says it in its own words (subsidy_within_award)",
         subsidy("1000000.01")),
    case("payment", "contracts_within_total", "contracts summing exactly to the total pass",
         payment(contracts_total=TOTAL)),
    case("payment", "contracts_within_total", "contracts one fen above the total fail",
         payment(contracts_total=TOTAL + Decimal("0.01")), unmet("contracts_over_total")),
    case("payment", "not_an_earlier_step", "a user who did no earlier step passes",
         payment(steps={"request": frozenset({3}), "verify": frozenset({4}), "approve": frozenset(),
                        "disburse": frozenset()})),
    case("payment", "not_an_earlier_step", "a deputy approving for the principal who verified fails",
         payment(actor_id=8, actor_ids=frozenset({8, 4}), steps={"request": frozenset({3}), "verify": frozenset({4})}),
         unmet("delegation_two_steps")),
    case("payment", "not_an_earlier_step", "who verified as a deputy may not approve in their own name",
         payment(actor_id=8, actor_ids=frozenset({8}), steps={"request": frozenset({3}), "verify": frozenset({8, 4})}),
         unmet("delegation_two_steps")),
    case("payment", "not_an_earlier_step", "a deputy for a principal who took no step passes",
         payment(actor_id=8, actor_ids=frozenset({8, 6}), steps={"request": frozenset({3}), "verify": frozenset({4})})),
    case("payment", "not_an_earlier_step", "the requester verifying fails",
         payment(actor_id=3, steps={"request": frozenset({3}), "verify": frozenset()}), unmet("same_user_two_steps")),
    case("payment", "not_an_earlier_step", "an actor without an id matches no step not yet done",
         payment(actor_id=None, steps={"request": frozenset({3}), "verify": frozenset()})),
    case("payment", "not_the_verdict_recorder", "another user than the verdict's passes", stage_payment(actor_id=6)),
    case("payment", "not_the_verdict_recorder", "a payment relying on no acceptance passes", payment(actor_id=5)),
    case("payment", "not_the_verdict_recorder", "the user who recorded the verdict fails", stage_payment(actor_id=5),
         unmet("verdict_recorder")),
    case("payment", "is_the_requester", "the requester passes", payment(actor_id=3, steps={"request": frozenset({3})})),
    case("payment", "is_the_requester", "anyone else fails", payment(actor_id=4, steps={"request": frozenset({3})}),
         unmet("not_the_requester")),
    case("payment", "relies_on_its_acceptance", "an advance naming no acceptance passes", payment()),
    case("payment", "relies_on_its_acceptance", "an advance naming an acceptance fails on its field",
         payment(named_acceptance_id=21), unmet("advance_names_acceptance", "acceptance_id")),
    case("payment", "relies_on_its_acceptance", "a stage payment naming its acceptance passes",
         stage_payment(named_acceptance_id=21)),
    case("payment", "relies_on_its_acceptance", "a stage payment naming none fails on its field",
         stage_payment(), unmet("stage_names_no_acceptance", "acceptance_id")),
    case("payment", "relies_on_its_acceptance", "a final payment naming none relies on the one found",
         final_payment(final_acceptance_id=22)),
    case("payment", "relies_on_its_acceptance", "a final payment naming its final acceptance passes",
         final_payment(named_acceptance_id=22, final_acceptance_id=22)),
    case("payment", "relies_on_its_acceptance", "a final payment naming another acceptance fails on its field",
         final_payment(named_acceptance_id=21, final_acceptance_id=22),
         unmet("final_names_another_acceptance", "acceptance_id")),
    case("payment", "relies_on_its_acceptance", "a final payment naming one when the contract has none fails",
         final_payment(named_acceptance_id=21), unmet("final_names_another_acceptance", "acceptance_id")),
    case("payment", "documents_of_the_project", "a request carrying no documents passes", payment()),
    case("payment", "documents_of_the_project", "documents of the project the requester may see pass",
         payment(data={"document_ids": [1, 2]}, project_documents={1: "1" * 64, 2: "2" * 64})),
    case("payment", "documents_of_the_project", "a document of another project or contractor fails on its field",
         payment(data={"document_ids": [1, 5]}, project_documents={1: "1" * 64}),
         unmet("document_not_of_project", "document_ids")),
    case("payment", "bank_reference_written", "no bank reference passes", disbursing(date(2024, 6, 3))),
    case("payment", "bank_reference_written", "a bank reference passes",
         payment(data={"bank_reference": "NX20240603000123"})),
    case("payment", "bank_reference_written", "spaces only fail on the field",
         payment(data={"bank_reference": " \u3000 "}), unmet("bank_reference_blank", "bank_reference")),
    case("payment", "voucher_written", "a voucher number passes", disbursing(date(2024, 6, 3))),
    case("payment", "voucher_written", "no voucher number is left to the required data", payment()),
    case("payment", "voucher_written", "ASCII spaces only fail", payment(data={"voucher_no": "   "}),
         unmet("voucher_blank")),
    case("payment", "voucher_written", "ideographic spaces only fail", payment(data={"voucher_no": "\u3000\u3000"}),
         unmet("voucher_blank")),
    case("payment", "voucher_unique_in_county", "a number no payment of the county holds passes",
         disbursing(date(2024, 6, 3))),
    case("payment", "voucher_unique_in_county", "a number another payment of the county holds fails",
         disbursing(date(2024, 6, 3), voucher_taken_by=12), unmet("voucher_not_unique")),
    case("payment", "payee_account_recorded", "a contract with the payee's account recorded passes",
         disbursing(date(2024, 6, 3), payee_account="6228 4801 2345 6789 012")),
    case("payment", "payee_account_recorded", "a contract without an account fails",
         disbursing(date(2024, 6, 3)), unmet("payee_account_missing")),
    case("payment", "payee_account_recorded", "an empty account fails",
         disbursing(date(2024, 6, 3), payee_account=""), unmet("payee_account_missing")),
    case("payment", "disbursed_not_in_future", "disbursed today passes", disbursing(date(2024, 6, 3))),
    case("payment", "disbursed_not_in_future", "disbursed tomorrow fails", disbursing(date(2024, 6, 4)),
         unmet("disbursed_on_in_future")),
    case("payment", "disbursed_not_before_approval", "disbursed on the day of the approval passes",
         disbursing(date(2024, 6, 1))),
    case("payment", "disbursed_not_before_approval", "disbursed the day before the approval fails",
         disbursing(date(2024, 5, 31)), unmet("disbursed_before_approval")),
    case("payment", "within_arrived_funds", "a rule set that does not tie payments to arrivals passes", payment()),
    case("payment", "within_arrived_funds", "paying exactly up to the funds arrived passes",
         payment(arrived=Decimal("500000.00"), project_paid=Decimal("200000.00"))),
    case("payment", "within_arrived_funds", "one fen beyond the funds arrived fails",
         payment(arrived=Decimal("499999.99"), project_paid=Decimal("200000.00")), unmet("funds_not_arrived")),
]


# --- amendment facts ------------------------------------------------------------------------------

IN_FORCE = plan(tuple(replace(line, id=i) for i, line in enumerate(AT_THE_EDGES, start=1)))


def amendment(proposed: Plan = IN_FORCE, **changes: Any) -> AmendmentFacts:
    """A proposal on a project in staged acceptance, with line 2 (5 000 000) under a 4 000 000 contract."""
    return replace(AmendmentFacts(project_state="staged_acceptance", in_force=IN_FORCE, proposed=proposed,
                                  rules=RULES, county="530325",
                                  contracts=(Committed(3, "一标段", Decimal("4000000.00"), (2,), Decimal(0)),),
                                  author_id=5, actor_id=5), **changes)


def moved(amount_1: str, amount_3: str, amount_2: str = "5000000.00") -> Plan:
    """The plan in force with money moved between lines 1, 2 and 3."""
    amounts = {1: amount_1, 2: amount_2, 3: amount_3}
    return replace(IN_FORCE, lines=tuple(replace(line, amount=Decimal(amounts[line.id or 0]))
                                         for line in IN_FORCE.lines))


AMENDMENT_CASES = [
    case("amendment", "project_amendable", "a project in staged acceptance passes", amendment()),
    case("amendment", "project_amendable", "a draft is edited, not amended", amendment(project_state="plan_drafted"),
         unmet("project_not_amendable")),
    case("amendment", "project_amendable", "a closed project is done", amendment(project_state="closed"),
         unmet("project_not_amendable")),
    case("amendment", "fits_the_project", "the same county and known lines pass", amendment()),
    case("amendment", "fits_the_project", "another county fails on its field",
         amendment(replace(IN_FORCE, region="530326")), unmet("county_changed", "region")),
    case("amendment", "plan_is_whole", "a whole plan passes", amendment()),
    case("amendment", "plan_is_whole", "a line without amount or tag fails",
         amendment(replace(IN_FORCE, lines=(*IN_FORCE.lines, line("物流", None)))),
         unmet("line_amount_missing"), unmet("line_untagged")),
    case("amendment", "plan_sums_match", "moving money between lines keeps the sums", amendment(moved("1000000.00",
                                                                                                 "4000000.00"))),
    case("amendment", "plan_sums_match", "a total changed without its funding fails",
         amendment(replace(moved("1000000.00", "4000000.00"), total=Decimal("9000000.00"))),
         unmet("lines_sum_mismatch"), unmet("funding_sum_mismatch")),
    case("amendment", "plan_keeps_the_rules", "the rules at their edges pass", amendment()),
    case("amendment", "plan_keeps_the_rules", "the service centre above 15 percent fails",
         amendment(moved("2000000.00", "3000000.00")), unmet("share_above_cap")),
    case("amendment", "contracted_lines_kept", "a contracted line cut exactly to its contract passes",
         amendment(moved("1500000.00", "4500000.00", amount_2="4000000.00"))),
    case("amendment", "contracted_lines_kept", "a contracted line one fen below its contract fails",
         amendment(moved("1500000.00", "4500000.01", amount_2="3999999.99")), unmet("contracted_line_cut")),
    case("amendment", "contracted_lines_kept", "a contracted line removed fails",
         amendment(replace(IN_FORCE, lines=(IN_FORCE.lines[0], IN_FORCE.lines[2]))),
         unmet("contracted_line_removed")),
    case("amendment", "no_payment_in_flight_on_changed_lines", "money in flight on an unchanged line passes",
         amendment(moved("1000000.00", "4000000.00"),
                   contracts=(Committed(3, "一标段", Decimal("4000000.00"), (2,), Decimal("10.00")),))),
    case("amendment", "no_payment_in_flight_on_changed_lines", "money in flight on a changed line fails",
         amendment(moved("1500000.00", "4000000.00", amount_2="4500000.00"),
                   contracts=(Committed(3, "一标段", Decimal("4000000.00"), (2,), Decimal("10.00")),)),
         unmet("payment_in_flight")),
    case("amendment", "one_open_amendment", "no other proposal passes", amendment()),
    case("amendment", "one_open_amendment", "another proposal still open fails", amendment(open_amendments=(4,)),
         unmet("amendment_open")),
    case("amendment", "is_the_author", "its author passes", amendment()),
    case("amendment", "is_the_author", "someone else fails", amendment(actor_id=6), unmet("not_the_author")),
]

# --- recovery facts (issue 17) ----------------------------------------------------------------------


def recovery(**changes: Any) -> RecoveryFacts:
    """A fraud order on a project that disbursed 2450000.00, nothing else ordered, asked by the supervisor."""
    return replace(RecoveryFacts(basis="fraud", amount=Decimal("2450000.00"), given=None,
                                 disbursed=Decimal("2450000.00"), recoverable=Decimal("2450000.00"),
                                 actor_role="supervisor", today=date(2024, 9, 27)), **changes)


def owed(ordered: str, received: str = "0.00", **data: Any) -> RecoveryFacts:
    """A default order of ``ordered`` with ``received`` already in, and a receipt's data."""
    return recovery(basis="default", amount=Decimal(ordered), received=Decimal(received), data=data)


RECOVERY_CASES = [
    case("recovery", "after_first_disbursement", "one fen disbursed passes", recovery(disbursed=Decimal("0.01"))),
    case("recovery", "after_first_disbursement", "nothing disbursed fails", recovery(disbursed=Decimal(0)),
         unmet("not_yet_disbursed")),
    case("recovery", "contract_of_project", "a contract of the project passes", recovery(contract_id=3)),
    case("recovery", "contract_of_project", "another project's contract fails on its field",
         recovery(contract_id=3, contract_found=False), unmet("contract_not_of_project", "contract_id")),
    case("recovery", "document_of_project", "a document of the project passes", recovery()),
    case("recovery", "document_of_project", "another project's document fails on its field",
         recovery(document_found=False), unmet("document_not_of_project", "document_id")),
    case("recovery", "amount_given", "fraud without an amount passes (it recovers everything)",
         recovery(amount=Decimal("2450000.00"))),
    case("recovery", "amount_given", "a default without an amount fails on its field",
         recovery(basis="default", amount=None), unmet("amount_required", "amount")),
    case("recovery", "fraud_recovers_all", "fraud giving exactly everything passes",
         recovery(given=Decimal("2450000.00"))),
    case("recovery", "fraud_recovers_all", "fraud giving one fen less fails",
         recovery(given=Decimal("2449999.99")), unmet("fraud_recovers_all")),
    case("recovery", "fraud_recovers_all", "another basis may recover part",
         recovery(basis="failed_review", given=Decimal("1.00"), amount=Decimal("1.00"))),
    case("recovery", "within_disbursed", "exactly what is recoverable passes",
         recovery(basis="default", amount=Decimal("450000.00"), recoverable=Decimal("450000.00"))),
    case("recovery", "within_disbursed", "one fen more than is recoverable fails",
         recovery(basis="default", amount=Decimal("450000.01"), recoverable=Decimal("450000.00")),
         unmet("recovery_above_disbursed")),
    case("recovery", "within_disbursed", "fraud giving more than everything fails",
         recovery(given=Decimal("2450000.01")), unmet("recovery_above_disbursed")),
    case("recovery", "amount_positive", "one fen passes", recovery(basis="default", amount=Decimal("0.01"))),
    case("recovery", "amount_positive", "nothing fails", recovery(basis="default", amount=Decimal(0)),
         unmet("recovery_amount_not_positive")),
    case("recovery", "receipt_positive", "one fen received passes", owed("100.00", amount=Decimal("0.01"))),
    case("recovery", "receipt_positive", "nothing received fails on its field", owed("100.00", amount=Decimal(0)),
         unmet("receipt_not_positive", "amount")),
    case("recovery", "receipt_within_outstanding", "exactly what is outstanding passes",
         owed("100.00", "40.00", amount=Decimal("60.00"))),
    case("recovery", "receipt_within_outstanding", "one fen more than is outstanding fails",
         owed("100.00", "40.00", amount=Decimal("60.01")), unmet("receipt_above_outstanding")),
    case("recovery", "received_not_in_future", "received today passes",
         owed("100.00", received_on=date(2024, 9, 27))),
    case("recovery", "received_not_in_future", "received tomorrow fails on its field",
         owed("100.00", received_on=date(2024, 9, 28)), unmet("received_in_future", "received_on")),
]


def application(**changes: Any) -> ApplicationFacts:
    """Enterprise C, every declaration made, asks 600000.00 on an open call of 1000000.00, asked by commerce."""
    return replace(ApplicationFacts(
        state="submitted", actor_role="commerce", actor_id=9, actor_contractor_code=None, applicant_name="某电商公司",
        credit_code=A_CODE, declarations=dict.fromkeys(DECLARATIONS, True),
        amount_requested=Decimal("600000.00"), call_state="open", call_deadline=date(2024, 12, 31),
        call_total=Decimal("1000000.00"), today=date(2024, 9, 27), now=datetime(2024, 9, 27, 2, tzinfo=UTC),
        lines_room=Decimal("1000000.00"), proposed_subsidy=Decimal("500000.00")), **changes)


A_CODE = "91350921MA32KLMN3" + check_char("91350921MA32KLMN3")  # a right code (GB 32100-2015)
PANEL = [{"name": "张三", "bureau": "县商务局", "no_conflict": True}]
ENDS = datetime(2024, 10, 10, 16, tzinfo=UTC)

APPLICATION_CASES = [
    case("application", "call_open", "the deadline's own day passes", application(today=date(2024, 12, 31))),
    case("application", "call_open", "the day after the deadline fails", application(today=date(2025, 1, 1)),
         unmet("call_closed")),
    case("application", "applicant_eligible", "a right code and every declaration pass",
         application()),
    case("application", "applicant_eligible", "a missing declaration fails",
         application(declarations={"independent_legal_person": True, "sound_accounting": True}),
         unmet("applicant_ineligible")),
    case("application", "applies_for_itself", "an enterprise's user in its own name passes",
         application(actor_role="contractor", actor_contractor_code=A_CODE, credit_code=A_CODE)),
    case("application", "applies_for_itself", "an enterprise's user in another's name fails on its field",
         application(actor_role="contractor", actor_contractor_code="X", credit_code=A_CODE),
         unmet("not_own_application", "applicant")),
    case("application", "requested_positive", "one fen passes", application(amount_requested=Decimal("0.01"))),
    case("application", "requested_positive", "nothing fails", application(amount_requested=Decimal(0)),
         unmet("amount_not_positive", "amount_requested")),
    case("application", "documents_of_project", "the project's documents pass", application()),
    case("application", "documents_of_project", "another project's document fails on its field",
         application(foreign_documents=(8,)), unmet("document_not_of_project", "document_ids")),
    case("application", "panel_declared", "every member declaring no conflict passes",
         application(data={"panel": PANEL})),
    case("application", "panel_declared", "a member without the declaration fails on the panel",
         application(data={"panel": [*PANEL, {"name": "李四", "bureau": "县财政局", "no_conflict": False}]}),
         unmet("conflict_not_declared", "panel")),
    case("application", "subsidy_within_requested", "exactly what was requested passes",
         application(data={"verdict": "pass", "proposed_subsidy": Decimal("600000.00")})),
    case("application", "subsidy_within_requested", "one fen above what was requested fails",
         application(data={"verdict": "pass", "proposed_subsidy": Decimal("600000.01")}),
         unmet("subsidy_above_requested", "proposed_subsidy")),
    case("application", "another_rechecks", "someone other than the reviewer passes", application(reviewed_by=5)),
    case("application", "another_rechecks", "the reviewer fails", application(reviewed_by=9),
         unmet("same_user_as_reviewer")),
    case("application", "notice_ended", "the instant the notice ends passes",
         application(notice_ends_at=ENDS, now=ENDS)),
    case("application", "notice_ended", "a second before fails",
         application(notice_ends_at=ENDS, now=ENDS - timedelta(seconds=1)), unmet("notice_not_ended")),
    case("application", "notice_open", "a second before the end passes",
         application(notice_ends_at=ENDS, now=ENDS - timedelta(seconds=1))),
    case("application", "notice_open", "at the end fails", application(notice_ends_at=ENDS, now=ENDS),
         unmet("notice_closed")),
    case("application", "objection_pending", "an undecided objection of the notice passes",
         application(objections=(ObjectionFacts(1, None),), data={"objection_id": 1})),
    case("application", "objection_pending", "a decided one fails",
         application(objections=(ObjectionFacts(1, "dismiss"),), data={"objection_id": 1}),
         unmet("objection_decided")),
    case("application", "objection_pending", "another notice's fails",
         application(objections=(ObjectionFacts(1, None),), data={"objection_id": 2}), unmet("objection_unknown")),
    case("application", "within_line_budget", "exactly what the lines have left passes",
         application(lines_room=Decimal("700000.00"), awarded_on_lines=Decimal("200000.00"))),
    case("application", "within_line_budget", "one fen more than the lines have left fails",
         application(lines_room=Decimal("699999.99"), awarded_on_lines=Decimal("200000.00")),
         unmet("award_above_line_budget")),
    case("application", "within_call_total", "exactly what the call has left passes",
         application(awarded_on_call=Decimal("500000.00"))),
    case("application", "within_call_total", "one fen more than the call has left fails",
         application(awarded_on_call=Decimal("500000.01")), unmet("award_above_call_total")),
    case("application", "no_duplicate_support", "an enterprise awarded elsewhere passes where the rules allow it",
         application(awarded_elsewhere=((3, "物流补贴申报"),), forbid_duplicate_support=False)),
    case("application", "no_duplicate_support", "an enterprise awarded on another call fails where forbidden",
         application(awarded_elsewhere=((3, "物流补贴申报"),)), unmet("duplicate_support")),
]

GUARD_CASES = PROJECT_CASES + ACCEPTANCE_CASES + PAYMENT_CASES + AMENDMENT_CASES + RECOVERY_CASES + APPLICATION_CASES


@pytest.mark.parametrize(("registry", "guard", "facts", "expected"), GUARD_CASES)
def test_guard_answers_what_is_unmet(registry: str, guard: str, facts: Any, expected: tuple[Expected, ...]) -> None:
    found = REGISTRIES[registry][guard](facts)
    assert [(u.code, u.field) for u in found] == list(expected)


@pytest.mark.parametrize(("registry", "guard", "facts", "expected"),
                         [c for c in GUARD_CASES if c.values[3] and not c.marks])
def test_every_unmet_item_cites_its_clause_in_both_languages(registry: str, guard: str, facts: Any,
                                                             expected: tuple[Expected, ...]) -> None:
    for item in REGISTRIES[registry][guard](facts):
        assert item.clause and item.zh and item.en


def test_every_registered_guard_has_a_case_that_holds_and_one_that_fails() -> None:
    registered = {(registry, name) for registry, guards in REGISTRIES.items() for name in guards}
    holding = {(c.values[0], c.values[1]) for c in GUARD_CASES if not c.values[3] and not c.marks}
    failing = {(c.values[0], c.values[1]) for c in GUARD_CASES if c.values[3] and not c.marks}
    assert holding == registered
    assert failing == registered


# --- choosers -------------------------------------------------------------------------------------

BEFORE_THE_END, AT_THE_END = NOTICE_ENDS - timedelta(seconds=1), NOTICE_ENDS

CHOOSER_CASES = [
    pytest.param("objection_outcome", noticed(BEFORE_THE_END, (1, None), objection_id=1, decision="uphold"), "failed",
                 id="objection_outcome: an upheld objection fails the acceptance"),
    pytest.param("objection_outcome", noticed(BEFORE_THE_END, (1, None), (2, None), objection_id=1,
                                              decision="uphold"), "failed",
                 id="objection_outcome: an upheld objection fails it even with others pending"),
    pytest.param("objection_outcome", noticed(AT_THE_END, (1, None), (2, None), objection_id=1, decision="dismiss"),
                 "objected", id="objection_outcome: dismissing one of two pending objections stays objected"),
    pytest.param("objection_outcome", noticed(BEFORE_THE_END, (1, "dismiss"), (2, None), objection_id=2,
                                              decision="dismiss"), "in_notice",
                 id="objection_outcome: dismissing the last pending one while the notice runs returns to it"),
    pytest.param("objection_outcome", noticed(AT_THE_END, (1, None), objection_id=1, decision="dismiss"),
                 "notice_clear", id="objection_outcome: dismissing the last pending one at the end clears the notice"),
    pytest.param("vote_outcome", acceptance(members=(1, 2, 3, 4, 5), votes={1: "approve", 2: "recuse", 3: "approve"},
                                            quorum="3/5", data={"vote": "approve"}), "approved",
                 id="vote_outcome: the third approval of four eligible carries 3/5"),
    pytest.param("vote_outcome", acceptance(members=(1, 2, 3, 4, 5), votes={1: "approve", 2: "recuse"},
                                            quorum="3/5", data={"vote": "approve"}), "notice_clear",
                 id="vote_outcome: two approvals of four eligible wait for the others"),
    pytest.param("vote_outcome", acceptance(members=(1, 2, 3, 4, 5), votes={1: "reject", 2: "reject"},
                                            quorum="3/5", data={"vote": "reject"}), "failed",
                 id="vote_outcome: the third rejection of five leaves approval out of reach"),
    pytest.param("vote_outcome", acceptance(members=(1, 2, 3, 4), votes={1: "approve", 2: "approve"},
                                            data={"reason": "亲属关系"}), "notice_clear",
                 id="vote_outcome: a recusal leaves a majority of three to reach"),
]


@pytest.mark.parametrize(("chooser", "facts", "state"), CHOOSER_CASES)
def test_chooser_picks_the_state(chooser: str, facts: AcceptanceFacts, state: str) -> None:
    assert ACCEPTANCE_CHOOSERS[chooser](facts) == state


RECOVERY_CHOOSER_CASES = [
    pytest.param("proposed_by_inspector", recovery(actor_role="inspector"), "proposed",
                 id="proposed_by_inspector: an inspector proposes"),
    pytest.param("proposed_by_inspector", recovery(actor_role="finance"), "ordered",
                 id="proposed_by_inspector: finance orders"),
    pytest.param("settled_when_nothing_outstanding", owed("100.00", "40.00", amount=Decimal("60.00")), "settled",
                 id="settled_when_nothing_outstanding: the last of it settles"),
    pytest.param("settled_when_nothing_outstanding", owed("100.00", "40.00", amount=Decimal("59.99")),
                 "part_received", id="settled_when_nothing_outstanding: one fen short is partly received"),
]


@pytest.mark.parametrize(("chooser", "facts", "state"), RECOVERY_CHOOSER_CASES)
def test_recovery_chooser_picks_the_state(chooser: str, facts: RecoveryFacts, state: str) -> None:
    assert RECOVERY_CHOOSERS[chooser](facts) == state


def test_every_recovery_chooser_has_a_case_for_each_state_its_event_may_reach() -> None:
    from disburse.services import recoveries

    reachable = {(t.chooser, dest) for t in recoveries.workflow().transitions.values()
                 if t.chooser in RECOVERY_CHOOSERS for dest in t.dests}
    assert {(c.values[0], c.values[2]) for c in RECOVERY_CHOOSER_CASES} == reachable


def test_every_chooser_has_a_case_for_each_state_its_event_may_reach() -> None:
    reachable = {(t.chooser, dest) for t in acceptances.workflow().transitions.values()
                 if t.chooser in ACCEPTANCE_CHOOSERS for dest in t.dests}
    covered = {(c.values[0], c.values[2]) for c in CHOOSER_CASES}
    assert {chooser for chooser, _ in covered} == set(ACCEPTANCE_CHOOSERS)
    assert covered == reachable
