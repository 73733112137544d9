"""The budget checks of a plan, one by one, passed or not (issue 18: the plan form checks as the official types).

What ``file`` would refuse is :func:`disburse.services.projects.check_plan_document` (``disburse plans check``,
``POST /api/v1/plans/check``); this lays the same refusals out as the list an official reads beside the form:
every rule the plan is held to — each line has an amount and a tag, the sums hold, each prohibited use, cap and
floor of its rule set — with the rule's official clause, passed or failed with the refusals that belong to it.
"""

from dataclasses import dataclass, replace

from disburse.adapters import rulesets
from disburse.domain import budget_checks
from disburse.domain.plan import Plan
from disburse.domain.unmet import Unmet
from disburse.services import projects
from disburse.services.context import Actor
from disburse.services.errors import Forbidden


@dataclass(frozen=True)
class Check:
    """One rule a plan is held to before it is filed, and what in the plan breaks it (nothing: it passes)."""

    code: str
    zh: str
    en: str
    clause: str
    unmet: tuple[Unmet, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.unmet

    def as_dict(self, lang: str = "zh") -> dict[str, object]:
        return {"code": self.code, "passed": self.passed, "label": self.en if lang == "en" else self.zh,
                "label_zh": self.zh, "label_en": self.en, "clause": self.clause,
                "unmet": [u.as_dict(lang) for u in self.unmet]}


#: The checks on the plan itself, and the refusal codes of each (budget_checks).
_PLAN_CHECKS = (
    ("amounts", "每项建设内容均已填写金额", "Every budget line has an amount", {"line_amount_missing"}),
    ("tags", "每项建设内容均已选择资金用途", "Every budget line has a use of funds chosen", {"line_untagged"}),
    ("lines_sum", "建设内容合计等于总投资", "The budget lines add up to the total", {"lines_sum_mismatch", "no_lines"}),
    ("funding_sum", "资金来源合计等于总投资", "The funding sources add up to the total", {"funding_sum_mismatch"}),
    ("subtotals", "各类别小计与其建设内容相符", "Each category's subtotal matches its lines",
     {"subtotal_mismatch", "subtotal_without_lines"}),
    ("counted_once", "同一笔资金只计入一个用途比例", "Each yuan counts toward one share only",
     {"ambiguous_tags", "split_tag_not_on_line", "split_sum_mismatch"}),
)
#: Refusals that belong to a rule of the rule set, found per rule below.
_RULE_CODES = {"prohibited_use", "share_above_cap", "share_below_floor"}


def plan_checks(plan: Plan) -> list[Check]:
    """Every check ``file`` makes of ``plan`` under its rule set: the failed ones first, each group in the order
    an official reads them.

    The refusals are those of :func:`~disburse.services.projects.check_plan_document`; a refusal under the
    rule set is put beside its own rule by asking the same budget check of that rule alone. A refusal of no
    listed check (a predecessor's surplus already used) is a check of its own, failed.
    """
    unmet = projects.check_plan_document(plan)
    rules = rulesets.load(plan.rule_set)
    checks: list[Check] = []
    claimed: set[str] = set(_RULE_CODES)
    for code, zh, en, codes in _PLAN_CHECKS:
        claimed |= codes
        if code == "subtotals" and not plan.subtotals:
            continue
        checks.append(Check(code, zh, en, "", tuple(u for u in unmet if u.code in codes)))
    alone = replace(rules, prohibited=(), caps=(), floors=())
    for p in rules.prohibited:
        found = budget_checks.rule_set_holds(plan, replace(alone, prohibited=(p,)))
        checks.append(Check(f"prohibited:{p.tag}", f"中央财政资金不得用于{p.zh}", f"No central funds for: {p.en}",
                            p.clause, tuple(u for u in found if u.code == "prohibited_use")))
    for cap in rules.caps:
        found = budget_checks.rule_set_holds(plan, replace(alone, caps=(cap,)))
        checks.append(Check(f"caps:{cap.tag}", cap.zh, cap.en, cap.clause,
                            tuple(u for u in found if u.code == "share_above_cap")))
    for floor in rules.floors:
        found = budget_checks.rule_set_holds(plan, replace(alone, floors=(floor,)))
        checks.append(Check(f"floors:{floor.tag}", floor.zh, floor.en, floor.clause,
                            tuple(u for u in found if u.code == "share_below_floor")))
    for u in unmet:
        if u.code not in claimed:
            checks.append(Check(u.code, u.zh, u.en, u.clause, (u,)))
    return sorted(checks, key=lambda check: check.passed)  # what fails first, each group in reading order


def filing_clause() -> str:
    """What the checks on the plan itself rest on: the ``file`` event's clause (the rules cite their own)."""
    spec = projects.workflow().event("file")
    return spec.clause if spec is not None else ""


def check_as(actor: Actor, plan: Plan) -> list[Check]:
    """The checks of :func:`plan_checks`, for a plan author (who else would file it: SPEC §5.1 ``file``)."""
    if actor.role not in projects.PLAN_AUTHORS:
        raise Forbidden(f"the role {actor.role} does not write plans", audit=True)
    return plan_checks(plan)
