"""Guards of the application workflow (``workflows/application.yaml``), one function each (issue 20).

Seed 003 spends most of its money by application (项目申报类, §5(1)1②): an enterprise registered in the
county, an independent legal person with sound accounts and no violation in three years (§5(2)1), applies
on a call with its materials (§5(2)2②); commerce reviews with the other bureaus and a site visit, finance
re-checks the result (§5(2)3①), the applications that pass are publicised (§5(2)3②) with the proposed
subsidy (seed 004 §5(5)2), and the leading group awards. An award stays within what the call's lines have
left once the contracts on them are counted, and within the call's total; an enterprise already awarded on
another call of the project is not awarded again where the rule set forbids repeated support (重复支持).
The messages cite the official documents by title and section, as users read them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from disburse.domain import credit_code, notice_guards
from disburse.domain.citations import QUJING, XX_COUNTY, cite
from disburse.domain.contracts import DECLARATIONS
from disburse.domain.money import amount_en, amount_zh
from disburse.domain.notice_guards import ObjectionFacts
from disburse.domain.states import ApplicationState
from disburse.domain.unmet import Unmet

ELIGIBILITY_CLAUSE = cite(XX_COUNTY, "五(二)1")
APPLY_CLAUSE = cite(XX_COUNTY, "五(二)2②", "在规定时间内整理申报材料")
REVIEW_CLAUSE = cite(XX_COUNTY, "五(二)3①", "组织电商、财务等专业人员……对项目申报材料进行评审")
RECHECK_CLAUSE = cite(XX_COUNTY, "五(二)3①", "县财政局对评审结果进行复核")
NOTICE_CLAUSE = cite(QUJING, "五(五)2")
OBJECTION_CLAUSE = cite(QUJING, "五(五)3")
BUDGET_CLAUSE = cite(XX_COUNTY, "五(一)1②", "严格按照资金管理办法及项目申报办法")
DUPLICATE_CLAUSE = ("本系统办理规则（同一企业不重复享受本项目专项资金支持）；"
                    + cite(XX_COUNTY, "五(一)1②"))


@dataclass(frozen=True)
class ApplicationFacts:
    """One application (or one about to be submitted) and what its guards look at."""

    state: str
    actor_role: str
    actor_id: int | None
    actor_contractor_code: str | None
    applicant_name: str
    credit_code: str
    declarations: dict[str, bool]
    amount_requested: Decimal
    call_state: str
    call_deadline: date
    call_total: Decimal
    today: date
    now: datetime
    #: the documents named that are not the project's
    foreign_documents: tuple[int, ...] = ()
    reviewed_by: int | None = None
    proposed_subsidy: Decimal | None = None
    notice_ends_at: datetime | None = None
    #: the call's lines' amounts less what the contracts on them commit
    lines_room: Decimal = Decimal(0)
    #: awarded on the calls sharing the call's lines (this application excepted)
    awarded_on_lines: Decimal = Decimal(0)
    #: awarded on this call (this application excepted)
    awarded_on_call: Decimal = Decimal(0)
    #: the other calls of the project on which this enterprise is already awarded: (call id, title)
    awarded_elsewhere: tuple[tuple[int, str], ...] = ()
    forbid_duplicate_support: bool = True
    duplicate_support_clause: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    #: the objections to the application's current notice
    objections: tuple[ObjectionFacts, ...] = ()
    #: the person acting and, under a delegation, the principal (issue 21 item 2): four eyes counts both
    actor_ids: frozenset[int] = frozenset()


# --- submitting ----------------------------------------------------------------------------------------


def call_open(f: ApplicationFacts) -> list[Unmet]:
    """Applications are taken while the call is open, up to its deadline (seed 003 §5(2)2②: 在规定时间内)."""
    if f.call_state == "open" and f.today <= f.call_deadline:
        return []
    return [Unmet("call_closed", f"申报已于 {f.call_deadline.isoformat()} 截止，不再受理",
                  f"The call closed on {f.call_deadline.isoformat()}; applications are no longer taken", APPLY_CLAUSE)]


def applicant_eligible(f: ApplicationFacts) -> list[Unmet]:
    """Seed 003 §5(2)1: a right credit code and every declaration made."""
    unmet: list[Unmet] = []
    wrong = credit_code.problem(f.credit_code)
    if wrong:
        unmet.append(Unmet("applicant_ineligible", f"申报企业“{f.applicant_name}”的统一社会信用代码有误：{wrong}",
                           f"Applicant '{f.applicant_name}': {wrong}", ELIGIBILITY_CLAUSE))
    for key, (zh, en) in DECLARATIONS.items():
        if not f.declarations.get(key):
            unmet.append(Unmet("applicant_ineligible", f"申报企业“{f.applicant_name}”未声明{zh}（{key}）",
                               f"Applicant '{f.applicant_name}' has not declared that it {en} ({key})",
                               ELIGIBILITY_CLAUSE))
    return unmet


def applies_for_itself(f: ApplicationFacts) -> list[Unmet]:
    """An enterprise's user applies in its own name; commerce may apply on an enterprise's behalf."""
    if f.actor_role != "contractor" or f.actor_contractor_code == f.credit_code:
        return []
    return [Unmet("not_own_application", "企业用户只能以本企业名义申报",
                  "An enterprise's user applies only in its own enterprise's name", APPLY_CLAUSE,
                  field="applicant")]


def requested_positive(f: ApplicationFacts) -> list[Unmet]:
    if f.amount_requested > 0:
        return []
    return [Unmet("amount_not_positive", "申请补助金额须大于零", "The amount requested must be more than zero",
                  APPLY_CLAUSE, field="amount_requested")]


def documents_of_project(f: ApplicationFacts) -> list[Unmet]:
    if not f.foreign_documents:
        return []
    ids = ", ".join(str(i) for i in f.foreign_documents)
    return [Unmet("document_not_of_project", f"申报材料 {ids} 不属于本项目，或不是本企业可用的材料",
                  f"The documents {ids} are not this project's, or not the applicant's to use", APPLY_CLAUSE,
                  field="document_ids")]


# --- the joint review ------------------------------------------------------------------------------


def panel_declared(f: ApplicationFacts) -> list[Unmet]:
    """A panel of at least one member, each naming a bureau and declaring no conflict of interest."""
    panel = f.data.get("panel") or []
    if not panel:
        return [Unmet("panel_missing", "评审须有评审组成员", "The review needs a panel of at least one member",
                      REVIEW_CLAUSE, field="panel")]
    unmet: list[Unmet] = []
    for member in panel:
        if member.get("no_conflict") is not True:
            name = member.get("name", "")
            unmet.append(Unmet("conflict_not_declared", f"评审组成员“{name}”未声明与申报企业无利害关系",
                               f"Panel member '{name}' has not declared having no conflict of interest with the "
                               "applicant", REVIEW_CLAUSE, field="panel"))
    return unmet


def subsidy_within_requested(f: ApplicationFacts) -> list[Unmet]:
    """A pass proposes a subsidy of more than zero and at most what was requested."""
    if f.data.get("verdict") != "pass":
        return []
    subsidy = f.data.get("proposed_subsidy")
    if subsidy is None or subsidy <= 0:
        return [Unmet("proposed_subsidy_required", "评审通过的，须提出大于零的拟补助资金",
                      "A pass proposes a subsidy of more than zero", REVIEW_CLAUSE, field="proposed_subsidy")]
    if subsidy > f.amount_requested:
        return [Unmet("subsidy_above_requested",
                      f"拟补助资金 {amount_zh(subsidy)} 超过申请金额 {amount_zh(f.amount_requested)}",
                      f"The proposed subsidy of {amount_en(subsidy)} is more than the "
                      f"{amount_en(f.amount_requested)} requested", REVIEW_CLAUSE, field="proposed_subsidy")]
    return []


def another_rechecks(f: ApplicationFacts) -> list[Unmet]:
    """Four eyes: finance's re-check is by someone other than the reviewer."""
    if f.reviewed_by is None or f.reviewed_by not in (f.actor_ids or {f.actor_id}):
        return []
    return [Unmet("same_user_as_reviewer", "复核人不能是评审人本人",
                  "The re-check must be made by someone other than the reviewer", RECHECK_CLAUSE)]


# --- the notice and the award --------------------------------------------------------------------------


def notice_ended(f: ApplicationFacts) -> list[Unmet]:
    """A notice closes once it has ended (24:00 Shanghai of its last day), as an acceptance's."""
    return notice_guards.notice_ended(f, NOTICE_CLAUSE)


def notice_open(f: ApplicationFacts) -> list[Unmet]:
    """The public objects while the notice runs, as to an acceptance's (seed 003 §5(2)3②)."""
    return notice_guards.notice_open(f, NOTICE_CLAUSE)


def objection_pending(f: ApplicationFacts) -> list[Unmet]:
    """The objection to resolve belongs to the application's notice and is not decided yet."""
    return notice_guards.objection_pending(f, OBJECTION_CLAUSE)


def within_line_budget(f: ApplicationFacts) -> list[Unmet]:
    """Σ awarded on the call's lines ≤ the lines' amount less what contracts commit on them."""
    subsidy = f.proposed_subsidy or Decimal(0)
    room = f.lines_room - f.awarded_on_lines
    if subsidy <= room:
        return []
    return [Unmet("award_above_line_budget",
                  f"拟补助 {amount_zh(subsidy)} 超过申报所涉预算行的剩余额度 {amount_zh(max(room, Decimal(0)))}"
                  f"（预算扣除合同占用 {amount_zh(f.lines_room)}，已补助 {amount_zh(f.awarded_on_lines)}）",
                  f"A subsidy of {amount_en(subsidy)} is more than the {amount_en(max(room, Decimal(0)))} left on "
                  f"the call's budget lines ({amount_en(f.lines_room)} after contracts, "
                  f"{amount_en(f.awarded_on_lines)} already awarded)", BUDGET_CLAUSE)]


def within_call_total(f: ApplicationFacts) -> list[Unmet]:
    """Σ awarded on a call ≤ the total it made available."""
    subsidy = f.proposed_subsidy or Decimal(0)
    room = f.call_total - f.awarded_on_call
    if subsidy <= room:
        return []
    return [Unmet("award_above_call_total",
                  f"拟补助 {amount_zh(subsidy)} 超过本次申报剩余的可安排资金 {amount_zh(max(room, Decimal(0)))}",
                  f"A subsidy of {amount_en(subsidy)} is more than the {amount_en(max(room, Decimal(0)))} the call "
                  "has left", BUDGET_CLAUSE)]


def no_duplicate_support(f: ApplicationFacts) -> list[Unmet]:
    """重复支持: an enterprise already awarded on another call of the project, where the rule set forbids it."""
    if not f.forbid_duplicate_support or not f.awarded_elsewhere:
        return []
    titles_zh = "、".join(f"“{title}”（{ident}）" for ident, title in f.awarded_elsewhere)
    titles_en = ", ".join(f"'{title}' ({ident})" for ident, title in f.awarded_elsewhere)
    return [Unmet("duplicate_support", f"重复支持：“{f.applicant_name}”已在本项目的申报 {titles_zh} 中获得补助",
                  f"Duplicate support: '{f.applicant_name}' is already awarded on the project's call {titles_en}",
                  f.duplicate_support_clause or DUPLICATE_CLAUSE)]


def passed_or_rejected(f: ApplicationFacts) -> str:
    """A pass is reviewed; a fail is rejected."""
    return ApplicationState.REVIEWED if f.data.get("verdict") == "pass" else ApplicationState.REJECTED


def objection_outcome(f: ApplicationFacts) -> str:
    """An upheld objection rejects the application; else it waits for the others, or goes back to the notice
    while it runs, or is clear once it has ended."""
    return notice_guards.objection_outcome(f, ApplicationState.REJECTED)


APPLICATION_GUARDS: dict[str, Callable[[ApplicationFacts], list[Unmet]]] = {
    f.__name__: f for f in (call_open, applicant_eligible, applies_for_itself, requested_positive,
                            documents_of_project, panel_declared, subsidy_within_requested, another_rechecks,
                            notice_ended, notice_open, objection_pending, within_line_budget, within_call_total,
                            no_duplicate_support)}
APPLICATION_CHOOSERS: dict[str, Callable[[ApplicationFacts], str]] = {
    f.__name__: f for f in (passed_or_rejected, objection_outcome)}
