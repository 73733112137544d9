"""Guards of the amendment workflow (``workflows/amendment.yaml``), one function each (issue 16).

A filed plan is amended (方案调整) by a whole new plan: it must be a plan that could be filed — every line
with an amount and a tag, lines and funding summing to the total (so the total changes only with a
matching change of funding), the rule set's budget rules kept — and it must not take away what is already
committed: a line a contract covers stays, and the lines of each contract still add up to at least its
amount; no line changes while a payment on a contract covering it is in flight. One amendment is open per
project at a time.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from disburse.domain import budget_checks
from disburse.domain.citations import QUJING, SYSTEM_RULE, cite
from disburse.domain.money import amount_en, amount_zh
from disburse.domain.plan import Plan
from disburse.domain.rules import RuleSet
from disburse.domain.states import ProjectState
from disburse.domain.unmet import Unmet

CLAUSE = cite(QUJING, "六(一)1")
#: From filing up to the final audit the plan is amended; before, it is edited as a draft; after, it is done.
AMENDABLE = (ProjectState.FILED, ProjectState.TENDERED, ProjectState.CONTRACTOR_SELECTED,
             ProjectState.STAGED_ACCEPTANCE, ProjectState.FINAL_AUDIT)


@dataclass(frozen=True)
class Committed:
    """A contract on the project: what it covers and what is in flight on it."""

    id: int
    lot: str
    amount: Decimal
    line_ids: tuple[int, ...]
    in_flight: Decimal


@dataclass(frozen=True)
class AmendmentFacts:
    project_state: str
    in_force: Plan
    proposed: Plan
    rules: RuleSet
    county: str
    contracts: tuple[Committed, ...] = ()
    #: the project's other proposed amendments
    open_amendments: tuple[int, ...] = ()
    predecessors_found: frozenset[int] = frozenset()
    author_id: int | None = None
    actor_id: int | None = None
    #: the person acting and, under a delegation, the principal (issue 21 item 2): four eyes counts both
    actor_ids: frozenset[int] = frozenset()


def project_amendable(f: AmendmentFacts) -> list[Unmet]:
    """From filing up to the final audit; a draft is edited instead, a closed project is done."""
    if f.project_state in AMENDABLE:
        return []
    return [Unmet("project_not_amendable", "项目当前状态下不能调整方案（草案请直接修改）",
                  "The plan cannot be amended in the project's state (a draft is edited directly)", CLAUSE)]


def fits_the_project(f: AmendmentFacts) -> list[Unmet]:
    """The same county, lines of this plan by id, existing predecessors."""
    return budget_checks.fits_the_project(f.in_force, f.proposed, f.county, f.predecessors_found)


def plan_is_whole(f: AmendmentFacts) -> list[Unmet]:
    """Every line has an amount and a tag, as for filing (SPEC §5.1)."""
    return budget_checks.missing_amounts(f.proposed) + budget_checks.missing_tags(f.proposed)


def plan_sums_match(f: AmendmentFacts) -> list[Unmet]:
    """Lines and funding sum to the total: the total changes only with a matching change of funding."""
    return budget_checks.sums_match(f.proposed)


def plan_keeps_the_rules(f: AmendmentFacts) -> list[Unmet]:
    """The rule set's prohibited uses, caps and floors hold on the new plan (seed 004 §5(1))."""
    return budget_checks.rule_set_holds(f.proposed, f.rules)


def contracted_lines_kept(f: AmendmentFacts) -> list[Unmet]:
    """A line a contract covers is not removed, and each contract's lines still add up to its amount."""
    amounts = {line.id: line.amount for line in f.proposed.lines if line.id is not None}
    unmet = []
    for c in f.contracts:
        gone = [line_id for line_id in c.line_ids if line_id not in amounts]
        if gone:
            unmet.append(Unmet("contracted_line_removed", f"合同 {c.id}（{c.lot}）覆盖的建设内容 {gone} 不能删除",
                               f"Contract {c.id} ({c.lot}) covers budget line(s) {gone}, which cannot be removed",
                               CLAUSE))
            continue
        covered = sum((amounts[line_id] or Decimal(0) for line_id in c.line_ids), Decimal(0))
        if covered < c.amount:
            unmet.append(Unmet("contracted_line_cut",
                               f"合同 {c.id}（{c.lot}）金额 {amount_zh(c.amount)}，调整后其覆盖的建设内容合计仅 "
                               f"{amount_zh(covered)}",
                               f"Contract {c.id} ({c.lot}) is for {amount_en(c.amount)}; the lines it covers "
                               f"would add up to only {amount_en(covered)}", CLAUSE))
    return unmet


def no_payment_in_flight_on_changed_lines(f: AmendmentFacts) -> list[Unmet]:
    """No line changes amount (or goes) while a payment on a contract covering it is in flight."""
    before = {line.id: line.amount for line in f.in_force.lines if line.id is not None}
    after = {line.id: line.amount for line in f.proposed.lines if line.id is not None}
    changed = {line_id for line_id, amount in before.items() if after.get(line_id, None) != amount}
    return [Unmet("payment_in_flight", f"合同 {c.id}（{c.lot}）有在途拨付 {amount_zh(c.in_flight)}，"
                  "其覆盖的建设内容暂不能调整",
                  f"Contract {c.id} ({c.lot}) has {amount_en(c.in_flight)} in flight; the lines it covers "
                  "cannot change now", CLAUSE)
            for c in f.contracts if c.in_flight > 0 and changed & set(c.line_ids)]


def one_open_amendment(f: AmendmentFacts) -> list[Unmet]:
    if not f.open_amendments:
        return []
    return [Unmet("amendment_open", f"本项目已有待审核的方案调整 {f.open_amendments[0]}",
                  f"Amendment {f.open_amendments[0]} of this project is still waiting for a decision", CLAUSE)]


def is_the_author(f: AmendmentFacts) -> list[Unmet]:
    if f.author_id is not None and f.author_id in (f.actor_ids or {f.actor_id}):
        return []
    return [Unmet("not_the_author", "只有提出人可以撤回方案调整申请", "Only its author may withdraw an amendment",
                  SYSTEM_RULE)]


AMENDMENT_GUARDS: dict[str, Callable[[AmendmentFacts], list[Unmet]]] = {
    f.__name__: f for f in (project_amendable, fits_the_project, plan_is_whole, plan_sums_match, plan_keeps_the_rules,
                            contracted_lines_kept, no_payment_in_flight_on_changed_lines, one_open_amendment,
                            is_the_author)}
