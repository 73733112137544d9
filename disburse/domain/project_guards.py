"""Guards of the project workflow (``workflows/project.yaml``), one function each.

Each takes the :class:`ProjectFacts` the service gathered and returns the unmet
conditions (SPEC §5: a guard never just says no).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from disburse.domain import budget_checks
from disburse.domain.citations import BURQIN, KEPING, QUJING, SYSTEM_RULE, cite, cites
from disburse.domain.contracts import Contract, coverage_unmet, eligibility_unmet
from disburse.domain.money import format_yuan
from disburse.domain.plan import Plan
from disburse.domain.recovery_guards import REVIEW_CLAUSE
from disburse.domain.rules import RuleSet
from disburse.domain.unmet import Unmet

#: A follow-up funded from a predecessor's surplus (seed 000 §7: 首款结余150万).
SURPLUS_CLAUSE = cite(KEPING, "附件 七")
#: The final audit follows every contract's final acceptance (seed 004 §5(5)4; seed 001 §6(2)3).
FINAL_CLAUSE = cites(cite(QUJING, "五(五)4"), cite(BURQIN, "六(二)3"))
#: The performance evaluation against the plan's targets (seed 004 §7(6), 附件2).
TARGETS_CLAUSE = cites(cite(QUJING, "七(六)"), cite(QUJING, "附件2"))


@dataclass(frozen=True)
class SurplusClaim:
    """A funding source taken from a predecessor project's surplus (续建, seed 000 §7)."""

    predecessor_id: int
    amount: Decimal
    #: what is left of the predecessor's surplus for this project; None while it is unknown
    available: Decimal | None
    same_county: bool = True


@dataclass(frozen=True)
class ProjectFacts:
    """What the guards may look at: the plan, its rule set and what the project holds now."""

    plan: Plan
    rules: RuleSet
    state: str
    previous_state: str | None = None
    contracts: tuple[Contract, ...] = ()
    tender_rounds: tuple[dict[str, Any], ...] = ()
    disbursed: Decimal = Decimal(0)
    in_flight: Decimal = Decimal(0)
    #: what is still owed on the project's recoveries (issue 17)
    recovery_outstanding: Decimal = Decimal(0)
    surplus_claims: tuple[SurplusClaim, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    #: the project id, and the project a document named in the event's data belongs to (None: no such document)
    project_id: int = 0
    document_project: int | None = None
    #: whether the plan was ever filed (a draft never filed may be withdrawn)
    ever_filed: bool = False
    #: for ``edit_plan``: the plan sent, the county of the project, and which predecessors named exist
    edited: Plan | None = None
    county: str = ""
    predecessors_found: frozenset[int] = frozenset()


def every_line_has_amount(facts: ProjectFacts) -> list[Unmet]:
    """``file``: every budget line has an amount (SPEC §5.1; seed 002 gives only a total)."""
    return budget_checks.missing_amounts(facts.plan)


def every_line_tagged(facts: ProjectFacts) -> list[Unmet]:
    """``file``: every budget line carries a tag (issue 16: a draft may leave lines untagged)."""
    return budget_checks.missing_tags(facts.plan)


def sums_match(facts: ProjectFacts) -> list[Unmet]:
    """``file``: lines and funding sources sum to the total; printed subtotals hold (SPEC §5.1)."""
    return budget_checks.sums_match(facts.plan)


def budget_rules_hold(facts: ProjectFacts) -> list[Unmet]:
    """``file``: the rule set's prohibited uses, caps and floors hold (SPEC §7; seed 004 §5(1))."""
    return budget_checks.rule_set_holds(facts.plan, facts.rules)


def predecessor_surplus_available(facts: ProjectFacts) -> list[Unmet]:
    """``file``: a predecessor's surplus funds a follow-up once only (seed 000 §7: 首款结余150万)."""
    unmet: list[Unmet] = []
    for claim in facts.surplus_claims:
        if not claim.same_county:
            unmet.append(Unmet("predecessor_elsewhere", f"前期项目 {claim.predecessor_id} 不属于本县",
                               f"Predecessor project {claim.predecessor_id} is not of this county", SURPLUS_CLAUSE))
        elif claim.available is None:
            unmet.append(Unmet("predecessor_surplus_unknown",
                               f"前期项目 {claim.predecessor_id} 尚未确定承办企业，结余未知",
                               f"Predecessor project {claim.predecessor_id} has no contracts yet, so its "
                               f"surplus is not known", SURPLUS_CLAUSE))
        elif claim.amount > claim.available:
            unmet.append(Unmet("predecessor_surplus_spent",
                               f"前期项目 {claim.predecessor_id} 可用结余 {format_yuan(claim.available)} 元，"
                               f"不足 {format_yuan(claim.amount)} 元",
                               f"Predecessor project {claim.predecessor_id} has {format_yuan(claim.available)} "
                               f"yuan of surplus left, less than {format_yuan(claim.amount)} yuan",
                               SURPLUS_CLAUSE))
    return unmet


def tender_round_open(facts: ProjectFacts) -> list[Unmet]:
    """``tender_failed``: there is an announced round that has not failed yet."""
    if facts.tender_rounds and facts.tender_rounds[-1].get("outcome") == "open":
        return []
    return [Unmet("no_open_round", "没有进行中的招标轮次", "No tender round is open", cite(QUJING, "五(二)"))]


def tender_round_failed(facts: ProjectFacts) -> list[Unmet]:
    """``reannounce_tender``: only after the current round failed (流标)."""
    if facts.tender_rounds and facts.tender_rounds[-1].get("outcome") == "failed":
        return []
    return [Unmet("round_not_failed", "当前招标轮次未流标，不能重新公告",
                  "The current tender round has not failed, so it cannot be announced again", cite(QUJING, "五(二)"))]


def has_contracts(facts: ProjectFacts) -> list[Unmet]:
    """At least one signed contract (SPEC §5.1 ``select_contractor``)."""
    if facts.contracts:
        return []
    return [Unmet("no_contract", "尚未签订任何合同", "No contract has been signed yet", SYSTEM_RULE)]


def contractors_eligible(facts: ProjectFacts) -> list[Unmet]:
    """Every contractor meets seed 003 §5(2)1."""
    return [u for contract in facts.contracts for u in eligibility_unmet(contract.contractor)]


def contracts_cover_plan(facts: ProjectFacts) -> list[Unmet]:
    """Contracts sum to no more than the total; each line in at most one contract; each contract within the
    budget of the lines it covers (issue 17)."""
    lines = {line.id: line.amount for line in facts.plan.lines if line.id is not None}
    return coverage_unmet(facts.plan.total, list(facts.contracts), lines)


def final_acceptances_approved(facts: ProjectFacts) -> list[Unmet]:
    """``request_final_audit``: every contract has an approved final acceptance (seed 001 §6(2)3)."""
    return [Unmet("final_acceptance_missing", f"合同“{c.lot}”尚无审定的终验",
                  f"Contract '{c.lot}' has no approved final acceptance", FINAL_CLAUSE)
            for c in facts.contracts if not c.final_approved]


def targets_evaluated(facts: ProjectFacts) -> list[Unmet]:
    """``pass_audit``/``fail_audit``: an actual value for every performance target of the plan."""
    given = {t["name"] for t in facts.data.get("targets") or []}
    planned = {t.name for t in facts.plan.targets}
    unmet = [Unmet("target_actual_missing", f"绩效指标“{name}”缺少实际完成值",
                   f"Performance target '{name}' has no actual value", TARGETS_CLAUSE)
             for name in sorted(planned - given)]
    unmet += [Unmet("unknown_target", f"方案中没有绩效指标“{name}”",
                    f"The plan has no performance target '{name}'", cite(QUJING, "附件2"))
              for name in sorted(given - planned)]
    return unmet


def no_payment_in_flight(facts: ProjectFacts) -> list[Unmet]:
    """``pass_audit``/``fail_audit``: no payment is between request and disbursement (SPEC §5.1)."""
    if facts.in_flight == 0:
        return []
    return [Unmet("payment_in_flight", f"尚有 {format_yuan(facts.in_flight)} 元拨付在途",
                  f"{format_yuan(facts.in_flight)} yuan of payments are still in flight", SYSTEM_RULE)]


def no_recovery_outstanding(facts: ProjectFacts) -> list[Unmet]:
    """``pass_audit``, ``settle_clawback``: a project that is still owed money on a recovery cannot close
    (issue 17; seed 004 §5(5)4: 收回中央补助资金 — recovered, not merely ordered)."""
    if facts.recovery_outstanding <= 0:
        return []
    return [Unmet("recovery_outstanding",
                  f"本项目尚有 {format_yuan(facts.recovery_outstanding)} 元应收回资金未收回，不能结项",
                  f"{format_yuan(facts.recovery_outstanding)} yuan ordered back on this project is still outstanding; "
                  "it cannot close", REVIEW_CLAUSE)]


def evaluation_document_of_project(facts: ProjectFacts) -> list[Unmet]:
    """The evaluation report named with a verdict is a document of this project (seed 001 §6(2)3)."""
    document_id = facts.data.get("document_id")
    if document_id is None or facts.document_project == facts.project_id:
        return []
    return [Unmet("document_not_of_project", f"本项目没有文件 {document_id}", f"no document {document_id} of this "
                  "project", cite(BURQIN, "六(二)3"), field="document_id")]


def never_filed(facts: ProjectFacts) -> list[Unmet]:
    """``withdraw``: only a draft that was never filed is withdrawn; a filed plan stays on record."""
    if not facts.ever_filed:
        return []
    return [Unmet("filed_before", "该方案曾经报备，不能撤回（可申请方案调整）",
                  "This plan was filed before and cannot be withdrawn (propose an amendment instead)", SYSTEM_RULE)]


def edit_fits_the_project(facts: ProjectFacts) -> list[Unmet]:
    """``edit_plan``: the plan sent keeps the project's county, names only lines of this plan, and only
    predecessor projects that exist (:func:`disburse.domain.budget_checks.fits_the_project`)."""
    if facts.edited is None:
        return []
    return budget_checks.fits_the_project(facts.plan, facts.edited, facts.county, facts.predecessors_found)


PROJECT_GUARDS: dict[str, Callable[[ProjectFacts], list[Unmet]]] = {
    "every_line_tagged": every_line_tagged,
    "never_filed": never_filed,
    "edit_fits_the_project": edit_fits_the_project,
    "evaluation_document_of_project": evaluation_document_of_project,
    "every_line_has_amount": every_line_has_amount,
    "sums_match": sums_match,
    "budget_rules_hold": budget_rules_hold,
    "predecessor_surplus_available": predecessor_surplus_available,
    "tender_round_open": tender_round_open,
    "tender_round_failed": tender_round_failed,
    "has_contracts": has_contracts,
    "contractors_eligible": contractors_eligible,
    "contracts_cover_plan": contracts_cover_plan,
    "final_acceptances_approved": final_acceptances_approved,
    "targets_evaluated": targets_evaluated,
    "no_payment_in_flight": no_payment_in_flight,
    "no_recovery_outstanding": no_recovery_outstanding,
}
