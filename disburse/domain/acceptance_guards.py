"""Guards and choices of the acceptance workflow (``workflows/acceptance.yaml``), one function each.

Seed 004 §5(5): the county reviews each delivered item and gives a verdict
合格/不合格 with the amount it accepts; accepted results are published; after
a notice without (sustained) objections the leading group approves, and only
then may money follow.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from disburse.domain import leading_group, notice_guards
from disburse.domain.citations import QUJING, SYSTEM_RULE, XX_COUNTY, cite
from disburse.domain.money import amount_en, amount_zh
from disburse.domain.notice import SHANGHAI
from disburse.domain.notice_guards import ObjectionFacts
from disburse.domain.rules import RuleSet
from disburse.domain.states import HALTED, AcceptanceState, ProjectState
from disburse.domain.unmet import Unmet

VERDICT_CLAUSE = cite(QUJING, "五(五)2")


@dataclass(frozen=True)
class AcceptanceFacts:
    """What the acceptance guards may look at, gathered by the service."""

    state: str
    #: whose authority the event is: the member or official, or under a delegation the principal (issue 21)
    actor_id: int | None
    now: datetime
    line_amounts: dict[int, Decimal]
    verdict_by: int | None = None
    notice_ends_at: datetime | None = None
    objections: tuple[ObjectionFacts, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    #: everyone the event counts as for segregation of duties: the person acting and, under a delegation, the
    #: principal (issue 21 item 2)
    actor_ids: frozenset[int] = frozenset()
    #: the project's state (nothing moves on a suspended or closed project) and its label
    project_state: str = ""
    project_state_label: dict[str, str] = field(default_factory=dict)
    #: for an application: the stages of the contract's schedule, the acceptance of the same kind and stage
    #: that exists already (its id), and the documents named (id → the project and acceptance each belongs to)
    stages: int = 0
    existing: int | None = None
    documents: dict[int, tuple[int, int | None]] = field(default_factory=dict)
    project_id: int = 0
    #: the project's rule set (the notice period a publication takes, whether finance re-checks)
    rules: RuleSet | None = None
    #: stage or final
    kind: str = "stage"
    #: the lines this acceptance covers (issue 17): a stage acceptance's named lines, or every line of the
    #: contract not accepted by another standing acceptance
    scope: tuple[int, ...] = ()
    #: line → the amount other standing acceptances of the contract accepted on it (合格 verdicts)
    accepted_elsewhere: dict[int, Decimal] = field(default_factory=dict)
    #: the contract's amount and what its other standing acceptances accepted in all
    contract_amount: Decimal = Decimal(0)
    accepted_by_others: Decimal = Decimal(0)
    #: this acceptance's verdicts as recorded: line → (result, accepted amount)
    recorded: dict[int, tuple[str, Decimal]] = field(default_factory=dict)
    #: whether the finance bureau has re-checked the result
    rechecked: bool = False
    #: the contract is a subsidy agreement (补助协议): an awarded application's (issue 20)
    agreement: bool = False
    #: the county's leading group (its active leader users' ids), this attempt's votes (member → approve /
    #: reject / recuse) and the rule set's quorum (issue 21)
    members: tuple[int, ...] = ()
    votes: dict[int, str] = field(default_factory=dict)
    quorum: str = leading_group.MAJORITY


def _line(line_id: int) -> tuple[str, str]:
    return f"建设内容 {line_id}", f"Budget line {line_id}"


def verdicts_complete(facts: AcceptanceFacts) -> list[Unmet]:
    """One verdict on each line the acceptance covers and on no other (a stage acceptance judges the work
    delivered in that stage, not work due later: issue 17), each accepting no more than the line's amount
    under the contract, and a 不合格 line accepting nothing."""
    unmet: list[Unmet] = []
    given: dict[int, dict[str, Any]] = {}
    for verdict in facts.data.get("verdicts") or []:
        line_id = verdict["line_id"]
        zh, en = _line(line_id)
        if line_id not in facts.line_amounts:
            unmet.append(Unmet("verdict_unknown_line", f"{zh} 不属于本合同",
                               f"{en} is not covered by this contract", VERDICT_CLAUSE))
        elif line_id not in facts.scope:
            unmet.append(Unmet("verdict_not_in_scope", f"{zh} 不在本次验收范围内",
                               f"{en} is not part of this acceptance", VERDICT_CLAUSE))
        elif line_id in given:
            unmet.append(Unmet("verdict_twice", f"{zh} 有两条验收结论", f"{en} has two verdicts", VERDICT_CLAUSE))
        given[line_id] = verdict
    for line_id in facts.scope:
        verdict, amount = given.get(line_id), facts.line_amounts.get(line_id, Decimal(0))
        zh, en = _line(line_id)
        if verdict is None:
            unmet.append(Unmet("verdict_missing", f"{zh} 尚无验收结论", f"{en} has no verdict", VERDICT_CLAUSE))
        elif verdict["result"] != "pass" and verdict["accepted_amount"] > 0:
            unmet.append(Unmet("failed_line_accepted", f"{zh} 验收不合格，核定金额应为 0",
                               f"{en} failed, so nothing of it is accepted", VERDICT_CLAUSE))
        elif verdict["accepted_amount"] > amount:
            unmet.append(Unmet("accepted_above_line",
                               f"{zh} 核定金额 {amount_zh(verdict['accepted_amount'])}，"
                               f"超过其预算 {amount_zh(amount)}",
                               f"{en}: accepted {amount_en(verdict['accepted_amount'])} "
                               f"is more than its {amount_en(amount)}", VERDICT_CLAUSE))
    return unmet


def pass_verdicts_hold(facts: AcceptanceFacts) -> list[Unmet]:
    """``pass``: a stage acceptance passes with at least one 合格 line — its failed lines stay open for a
    later acceptance; the final acceptance passes only when every line it covers passes. A 合格 line
    accepted below its amount is a reduction (核减) and says why (issue 17; seed 004 §5(5)2)."""
    verdicts = facts.data.get("verdicts") or []
    unmet: list[Unmet] = []
    if facts.kind == "final":
        for v in verdicts:
            if v["result"] != "pass":
                zh, en = _line(v["line_id"])
                unmet.append(Unmet("line_failed", f"{zh} 的结论为不合格，终验不能判定合格",
                                   f"{en} failed, so the final acceptance cannot pass", VERDICT_CLAUSE))
    elif facts.scope and not any(v["result"] == "pass" for v in verdicts):
        unmet.append(Unmet("no_line_passed", "没有一项建设内容验收合格，不能判定验收合格",
                           "No budget line passed, so the acceptance cannot pass", VERDICT_CLAUSE))
    for v in verdicts:
        amount = facts.line_amounts.get(v["line_id"])
        if (v["result"] == "pass" and amount is not None and v["accepted_amount"] < amount
                and not (v.get("note") or "").strip()):
            zh, en = _line(v["line_id"])
            unmet.append(Unmet("reduction_without_note",
                               f"{zh} 核减 {amount_zh(amount - v['accepted_amount'])}，须说明核减理由",
                               f"{en} is reduced by {amount_en(amount - v['accepted_amount'])}; "
                               f"say why in its note", VERDICT_CLAUSE))
    return unmet


def some_line_fails(facts: AcceptanceFacts) -> list[Unmet]:
    """``fail`` names at least one 不合格 line."""
    if any(v["result"] == "fail" for v in facts.data.get("verdicts") or []):
        return []
    return [Unmet("no_line_failed", "判定不合格须至少有一项建设内容不合格",
                  "A failed acceptance names at least one failed line", VERDICT_CLAUSE)]


def lines_to_accept(facts: AcceptanceFacts) -> list[Unmet]:
    """A stage application names the contract's lines delivered in that stage, none accepted already
    (issue 17); a final one names none — it covers every line not yet accepted."""
    named = facts.data.get("line_ids")
    if not named:
        return []
    if facts.data.get("kind") == "final":
        return [Unmet("final_names_lines", "终验涵盖本合同尚未验收的全部建设内容，无须列明",
                      "A final acceptance covers every line not yet accepted; it names none", VERDICT_CLAUSE,
                      field="line_ids")]
    unmet = []
    for line_id in named:
        zh, en = _line(line_id)
        if line_id not in facts.line_amounts:
            unmet.append(Unmet("line_not_of_contract", f"{zh} 不属于本合同", f"{en} is not covered by this contract",
                               VERDICT_CLAUSE, field="line_ids"))
        elif line_id in facts.accepted_elsewhere:
            unmet.append(Unmet("line_accepted_already", f"{zh} 已验收合格", f"{en} has been accepted already",
                               VERDICT_CLAUSE, field="line_ids"))
    return unmet


def accepted_within_contract(facts: AcceptanceFacts) -> list[Unmet]:
    """What the contract's acceptances accept in all stays within the contract's amount (issue 17)."""
    total = facts.accepted_by_others + sum((a for r, a in facts.recorded.values() if r == "pass"), Decimal(0))
    if total <= facts.contract_amount:
        return []
    return [Unmet("accepted_above_contract",
                  f"本合同验收核定合计 {amount_zh(total)}，超过合同金额 {amount_zh(facts.contract_amount)}",
                  f"The contract's acceptances would accept {amount_en(total)}, above the contract's "
                  f"{amount_en(facts.contract_amount)}", VERDICT_CLAUSE)]


RECHECK_CLAUSE = cite(XX_COUNTY, "五(二)3①")


def recheck_in_rules(facts: AcceptanceFacts) -> list[Unmet]:
    """The finance re-check is a step of the project's rule set (``acceptance.finance_recheck``)."""
    if facts.rules is not None and facts.rules.finance_recheck:
        return []
    return [Unmet("recheck_not_required", "本项目适用的资金管理规则未规定财政复核",
                  "The project's fund rules have no finance re-check", RECHECK_CLAUSE)]


def rechecked_if_required(facts: AcceptanceFacts) -> list[Unmet]:
    """Where the rule set requires it, the finance bureau re-checks the review result before the notice."""
    if facts.rules is None or not facts.rules.finance_recheck or facts.rechecked:
        return []
    return [Unmet("finance_recheck_required", "验收结果须经县财政局复核后方可公示",
                  "The finance bureau re-checks the review result before it is published",
                  facts.rules.finance_recheck_clause or RECHECK_CLAUSE)]


def recheck_document_of_project(facts: AcceptanceFacts) -> list[Unmet]:
    """A re-check's document, if named, is a document of this project."""
    doc_id = facts.data.get("document_id")
    if doc_id is None or (doc_id in facts.documents and facts.documents[doc_id][0] == facts.project_id):
        return []
    return [Unmet("document_not_of_project", f"本项目没有文件 {doc_id}", f"no document {doc_id} of this project",
                  RECHECK_CLAUSE, field="document_id")]


def notice_open(facts: AcceptanceFacts) -> list[Unmet]:
    """Objections are taken while the notice runs."""
    return notice_guards.notice_open(facts, cite(QUJING, "五(五)2"))


def notice_ended(facts: AcceptanceFacts) -> list[Unmet]:
    """A notice is closed only once it has ended (24:00 Shanghai of its last day)."""
    return notice_guards.notice_ended(facts, cite(QUJING, "五(五)2"))


def objection_pending(facts: AcceptanceFacts) -> list[Unmet]:
    """The objection to resolve belongs to this notice and is not decided yet."""
    return notice_guards.objection_pending(facts, cite(QUJING, "五(五)3"))


def not_the_verdict_actor(facts: AcceptanceFacts) -> list[Unmet]:
    """Who recorded the verdict may not approve it (SPEC §5.2, four eyes)."""
    if facts.verdict_by is None or facts.verdict_by not in (facts.actor_ids or {facts.actor_id}):
        return []
    return [Unmet("same_actor_as_verdict", "作出验收结论的人员不能审定同一验收",
                  "The user who recorded the verdict may not approve the same acceptance", SYSTEM_RULE)]


def deadline_ahead(facts: AcceptanceFacts) -> list[Unmet]:
    """A rectification deadline lies after today (Asia/Shanghai)."""
    deadline: date | None = facts.data.get("deadline")
    today = facts.now.astimezone(SHANGHAI).date()
    if deadline is None or deadline > today:
        return []
    return [Unmet("deadline_passed", f"整改期限 {deadline.isoformat()} 应晚于今天 {today.isoformat()}",
                  f"The deadline {deadline.isoformat()} must be after today, {today.isoformat()}",
                  cite(QUJING, "五(五)4"))]


def objection_outcome(facts: AcceptanceFacts) -> str:
    """Where resolving an objection leads: failed if upheld; else objected while others are
    pending; else back in the notice while it runs, or clear once it has ended."""
    return notice_guards.objection_outcome(facts, AcceptanceState.FAILED)


#: The project states that take acceptance applications (SPEC §5.1: the first one starts the acceptance).
APPLYING_STATES = (ProjectState.CONTRACTOR_SELECTED, ProjectState.STAGED_ACCEPTANCE)
#: The project states in which an awarded application's work is accepted: those in which calls are opened.
AGREEMENT_APPLYING_STATES = (ProjectState.FILED, ProjectState.TENDERED, ProjectState.CONTRACTOR_SELECTED,
                             ProjectState.STAGED_ACCEPTANCE)


def project_active(facts: AcceptanceFacts) -> list[Unmet]:
    """Nothing moves on a suspended or closed project (SPEC §5.1)."""
    if facts.project_state not in HALTED:
        return []
    label = facts.project_state_label
    return [Unmet("project_not_active", f"项目处于“{label.get('zh')}”状态，验收暂停",
                  f"The project is {label.get('en', '').lower()}; acceptance is on hold", SYSTEM_RULE)]


def project_takes_applications(facts: AcceptanceFacts) -> list[Unmet]:
    """Acceptance is applied for once contractors are selected, during staged acceptance (seed 004 §5(5)1);
    an awarded application's work whenever calls are open on the project (issue 20; seed 003 §5(2)3③: 项目合格验收后
    拨付资金 — the subsidy's own acceptance, whatever stage the procured contracts are at)."""
    if facts.project_state in (AGREEMENT_APPLYING_STATES if facts.agreement else APPLYING_STATES):
        return []
    return [Unmet("wrong_state", "项目不在可申请验收的阶段",
                  "The project is not in a state that takes acceptance applications", cite(QUJING, "五(五)1"))]


def stage_in_schedule(facts: AcceptanceFacts) -> list[Unmet]:
    """A stage acceptance names a stage of the contract's schedule."""
    stage = facts.data.get("stage")
    if facts.data.get("kind") != "stage" or (stage and 1 <= stage <= facts.stages):
        return []
    return [Unmet("stage_not_in_schedule", f"合同的付款安排有第 1 至 {facts.stages} 阶段",
                  f"the contract's schedule has stages 1 to {facts.stages}", SYSTEM_RULE, field="stage")]


def one_acceptance_per_stage(facts: AcceptanceFacts) -> list[Unmet]:
    """One application per stage (and one final) of a contract; a failed one is rectified and applied again."""
    if facts.existing is None:
        return []
    kind, stage = facts.data.get("kind"), facts.data.get("stage")
    what = "终验" if kind == "final" else f"第{stage}阶段验收"
    return [Unmet("acceptance_exists", f"该{what}已有验收申请（{facts.existing}）",
                  f"This {kind} acceptance exists already ({facts.existing})", cite(QUJING, "五(五)1"))]


def documents_of_the_project(facts: AcceptanceFacts) -> list[Unmet]:
    """Application materials are documents of this project not attached to another acceptance."""
    wrong = [doc_id for doc_id in facts.data.get("document_ids") or []
             if doc_id not in facts.documents or facts.documents[doc_id][0] != facts.project_id
             or facts.documents[doc_id][1] is not None]
    return [Unmet("document_not_of_project", f"本项目没有文件 {doc_id}", f"no document {doc_id} of this project",
                  SYSTEM_RULE, field="document_ids") for doc_id in wrong]


GROUP_CLAUSE = cite(QUJING, "五(五)3", "经……领导小组审核同意后")


def group_of_one(facts: AcceptanceFacts) -> list[Unmet]:
    """``approve``: a leading group of one decides alone; a group of several votes (会签, issue 21)."""
    if len(facts.members) <= 1:
        return []
    return [Unmet("group_votes", f"领导小组有 {len(facts.members)} 名成员，须由成员表决（会签）审定",
                  f"The leading group has {len(facts.members)} members: it decides by their votes", GROUP_CLAUSE)]


def group_of_several(facts: AcceptanceFacts) -> list[Unmet]:
    """``vote``, ``recuse``: only a group of several votes; one member approves alone (issue 21)."""
    if len(facts.members) > 1:
        return []
    return [Unmet("group_of_one", "领导小组只有一名成员，由其直接审定",
                  "The leading group has one member, who approves alone", GROUP_CLAUSE)]


def not_voted_yet(facts: AcceptanceFacts) -> list[Unmet]:
    """A member of the county's leading group votes or recuses once on an attempt (issue 21)."""
    if facts.actor_id not in facts.members:
        return [Unmet("not_a_member", "您不是本县领导小组的成员", "You are not a member of the county's leading group",
                      GROUP_CLAUSE)]
    done = facts.votes.get(facts.actor_id) if facts.actor_id is not None else None
    if done is None:
        return []
    zh, en = VOTE_LABELS[done]
    return [Unmet("already_voted", f"您已就本次验收结果{zh}，不能再次表决", f"You have {en} this result already",
                  GROUP_CLAUSE)]


VOTE_LABELS = {"approve": ("表决同意", "voted to approve"), "reject": ("表决不同意", "voted to reject"),
               "recuse": ("回避", "recused yourself from")}


def vote_outcome(facts: AcceptanceFacts) -> str:
    """Where a vote or a recusal leads: approved once the quorum approves, failed once approval can no longer
    be reached, else the group goes on voting (:func:`disburse.domain.leading_group.tally`)."""
    cast = facts.data.get("vote") or ("recuse" if facts.data.get("reason") else None)
    votes = dict(facts.votes)
    if facts.actor_id is not None and cast:
        votes[facts.actor_id] = str(cast)
    result = leading_group.tally(facts.members, votes, facts.quorum)
    if result.carried:
        return AcceptanceState.APPROVED
    if result.lost:
        return AcceptanceState.FAILED
    return AcceptanceState.NOTICE_CLEAR


ACCEPTANCE_GUARDS: dict[str, Callable[[AcceptanceFacts], list[Unmet]]] = {
    "group_of_one": group_of_one,
    "group_of_several": group_of_several,
    "not_voted_yet": not_voted_yet,
    "project_active": project_active,
    "project_takes_applications": project_takes_applications,
    "stage_in_schedule": stage_in_schedule,
    "one_acceptance_per_stage": one_acceptance_per_stage,
    "documents_of_the_project": documents_of_the_project,
    "verdicts_complete": verdicts_complete,
    "pass_verdicts_hold": pass_verdicts_hold,
    "lines_to_accept": lines_to_accept,
    "accepted_within_contract": accepted_within_contract,
    "recheck_in_rules": recheck_in_rules,
    "rechecked_if_required": rechecked_if_required,
    "recheck_document_of_project": recheck_document_of_project,
    "some_line_fails": some_line_fails,
    "notice_open": notice_open,
    "notice_ended": notice_ended,
    "objection_pending": objection_pending,
    "not_the_verdict_actor": not_the_verdict_actor,
    "deadline_ahead": deadline_ahead,
}

ACCEPTANCE_CHOOSERS: dict[str, Callable[[AcceptanceFacts], str]] = {
    "objection_outcome": objection_outcome,
    "vote_outcome": vote_outcome,
}
