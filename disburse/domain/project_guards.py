"""Guards of the project workflow (``workflows/project.yaml``), one function each.

Each takes the :class:`ProjectFacts` the service gathered and returns the unmet
conditions (SPEC §5: a guard never just says no). Guards of events whose
feature is not built yet refuse with ``not_available_yet`` naming what is
missing, so the workflow is complete as data while the code catches up.
"""

from collections.abc import Callable
from dataclasses import dataclass

from disburse.domain import budget_checks
from disburse.domain.plan import Plan
from disburse.domain.rules import RuleSet
from disburse.domain.unmet import Unmet


@dataclass(frozen=True)
class ProjectFacts:
    """What the guards may look at: the plan as it stands and the rule set it follows."""

    plan: Plan
    rules: RuleSet
    state: str


def every_line_has_amount(facts: ProjectFacts) -> list[Unmet]:
    """``file``: every budget line has an amount (SPEC §5.1; seed 002 gives only a total)."""
    return budget_checks.missing_amounts(facts.plan)


def sums_match(facts: ProjectFacts) -> list[Unmet]:
    """``file``: lines and funding sources sum to the total; printed subtotals hold (SPEC §5.1)."""
    return budget_checks.sums_match(facts.plan)


def budget_rules_hold(facts: ProjectFacts) -> list[Unmet]:
    """``file``: the rule set's prohibited uses, caps and floors hold (SPEC §7; seed 004 §5(1))."""
    return budget_checks.rule_set_holds(facts.plan, facts.rules)


def _not_yet(feature_zh: str, feature_en: str) -> Callable[[ProjectFacts], list[Unmet]]:
    def guard(facts: ProjectFacts) -> list[Unmet]:
        return [
            Unmet(
                "not_available_yet",
                f"{feature_zh}功能尚未上线，暂不能执行此操作",
                f"{feature_en} is not available yet, so this event cannot be fired",
                "SPEC §5.1",
            )
        ]

    guard.__doc__ = f"Refuses until {feature_en} is built."
    return guard


PROJECT_GUARDS: dict[str, Callable[[ProjectFacts], list[Unmet]]] = {
    "every_line_has_amount": every_line_has_amount,
    "sums_match": sums_match,
    "budget_rules_hold": budget_rules_hold,
    "signed_contracts": _not_yet("合同管理", "Contract management"),
    "acceptance_available": _not_yet("验收管理", "Acceptance"),
    "final_acceptances_approved": _not_yet("终验", "Final acceptance"),
    "evaluation_available": _not_yet("绩效评价", "Performance evaluation"),
    "clawback_available": _not_yet("资金收回", "Clawback"),
}
