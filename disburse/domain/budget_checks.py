"""Budget checks a plan must pass before it is filed (SPEC §5.1 ``file``, §7).

All arithmetic is exact: shares are compared as ``tagged ≤ cap × total`` in
Decimal, never by dividing, so a share exactly at a cap passes (SPEC §7: 150万 of
1000万 is exactly 15 %).
"""

from decimal import Decimal

from disburse.domain.citations import KEPING, QUJING, SYSTEM_RULE, cite
from disburse.domain.money import format_wan, format_yuan, share_text
from disburse.domain.plan import Plan
from disburse.domain.rules import RuleSet
from disburse.domain.unmet import Unmet

_PLAN_CLAUSE = SYSTEM_RULE


def missing_amounts(plan: Plan) -> list[Unmet]:
    """Every line has an amount (seed 002 gives only a total, so its plan stays a draft)."""
    return [
        Unmet(
            "line_amount_missing",
            f"建设内容“{line.label()}”尚无资金安排金额",
            f"Budget line '{line.label()}' has no amount yet",
            _PLAN_CLAUSE,
        )
        for line in plan.lines
        if line.amount is None
    ]


def fits_the_project(current: Plan, sent: Plan, county: str, predecessors_found: frozenset[int]) -> list[Unmet]:
    """A plan sent to replace ``current`` (an edit of the draft, an amendment) keeps the project's county,
    names only lines of ``current`` by id, and only predecessor projects that exist."""
    unmet = []
    if sent.region != county:
        unmet.append(Unmet("county_changed", "示范项目的县不能更改", "The county of a project does not change",
                           SYSTEM_RULE, field="region"))
    known = {line.id for line in current.lines}
    for i, line in enumerate(sent.lines):
        if line.id is not None and line.id not in known:
            unmet.append(Unmet("line_not_of_plan", f"本方案没有编号为 {line.id} 的建设内容",
                               f"This plan has no budget line {line.id}", SYSTEM_RULE, field=f"lines.{i}.id"))
    for i, source in enumerate(sent.funding):
        if source.predecessor is not None and source.predecessor not in predecessors_found:
            unmet.append(Unmet("no_predecessor", f"没有前期项目 {source.predecessor}",
                               f"no predecessor project {source.predecessor}", cite(KEPING, "附件 七"),
                               field=f"funding.{i}.predecessor"))
    return unmet


def missing_tags(plan: Plan) -> list[Unmet]:
    """Every line carries a tag, so the rule set's caps, floors and prohibited uses can judge it (a draft
    imported from a county's table may leave lines untagged until the official chooses, issue 16/18)."""
    return [Unmet("line_untagged", f"建设内容“{line.label()}”尚未选择资金用途类别",
                  f"Budget line '{line.label()}' has no tag yet", _PLAN_CLAUSE)
            for line in plan.lines if not line.tags]


def sums_match(plan: Plan) -> list[Unmet]:
    """Lines sum to the total; funding sources sum to the total; printed subtotals hold."""
    unmet: list[Unmet] = []
    if not plan.lines:
        unmet.append(Unmet("no_lines", "方案没有建设内容", "The plan has no budget lines", _PLAN_CLAUSE))
    elif all(line.amount is not None for line in plan.lines) and plan.lines_sum() != plan.total:
        unmet.append(
            Unmet(
                "lines_sum_mismatch",
                f"建设内容合计 {format_yuan(plan.lines_sum())} 元，与总投资 {format_yuan(plan.total)} 元不符",
                f"Budget lines sum to {format_yuan(plan.lines_sum())} yuan, "
                f"not the total of {format_yuan(plan.total)} yuan",
                _PLAN_CLAUSE,
            )
        )
    if plan.funding_sum() != plan.total:
        unmet.append(
            Unmet(
                "funding_sum_mismatch",
                f"资金来源合计 {format_yuan(plan.funding_sum())} 元，与总投资 {format_yuan(plan.total)} 元不符",
                f"Funding sources sum to {format_yuan(plan.funding_sum())} yuan, "
                f"not the total of {format_yuan(plan.total)} yuan",
                _PLAN_CLAUSE,
            )
        )
    for category, subtotal in plan.subtotals.items():
        lines = [line for line in plan.lines if line.category == category]
        if not lines:
            unmet.append(
                Unmet(
                    "subtotal_without_lines",
                    f"小计所列类别“{category}”没有建设内容",
                    f"Subtotal category '{category}' has no budget lines",
                    _PLAN_CLAUSE,
                )
            )
            continue
        if any(line.amount is None for line in lines):
            continue
        actual = sum((line.amount or Decimal(0) for line in lines), Decimal(0))
        if actual != subtotal:
            unmet.append(
                Unmet(
                    "subtotal_mismatch",
                    f"“{category}”各项合计 {format_wan(actual)}，与小计 {format_wan(subtotal)} 不符",
                    f"Lines of '{category}' sum to {format_yuan(actual)} yuan, "
                    f"not its subtotal of {format_yuan(subtotal)} yuan",
                    _PLAN_CLAUSE,
                )
            )
    return unmet


def tags_counted_once(plan: Plan, rules: RuleSet) -> list[Unmet]:
    """A line's amount counts once toward the shares (issue 17): a line carrying more than one tag the rule
    set's caps and floors judge declares how its amount splits between them — else tagging every line
    ``supply_chain`` too would meet a 50 % floor; a split names only the line's tags and sums to its amount."""
    judged = {rule.tag for rule in (*rules.caps, *rules.floors)}
    unmet: list[Unmet] = []
    for line in plan.lines:
        if line.split:
            stray = sorted(set(line.split) - set(line.tags))
            if stray:
                unmet.append(Unmet("split_tag_not_on_line",
                                   f"建设内容“{line.label()}”的资金拆分含有该行没有的类别：{'、'.join(stray)}",
                                   f"Budget line '{line.label()}' splits its amount to tags it does not carry: "
                                   f"{', '.join(stray)}", _PLAN_CLAUSE))
            parts = sum(line.split.values(), Decimal(0))
            if line.amount is not None and parts != line.amount:
                unmet.append(Unmet("split_sum_mismatch",
                                   f"建设内容“{line.label()}”拆分合计 {format_yuan(parts)} 元，与其金额 "
                                   f"{format_yuan(line.amount)} 元不符",
                                   f"Budget line '{line.label()}' splits {format_yuan(parts)} yuan, not its "
                                   f"{format_yuan(line.amount)} yuan", _PLAN_CLAUSE))
            continue
        both = [tag for tag in line.tags if tag in judged]
        if len(both) > 1:
            names = "、".join(rules.tag_label(t)[0] for t in both)
            unmet.append(Unmet("ambiguous_tags",
                               f"建设内容“{line.label()}”同时属于{names}，须写明金额在各类别间的拆分（split），"
                               f"同一笔资金不能重复计入比例",
                               f"Budget line '{line.label()}' carries {', '.join(both)}: declare how its amount "
                               f"splits between them (split); one yuan counts toward one share only",
                               _SHARES_CLAUSE))
    return unmet


#: The shares a rule set caps or floors are shares of the money (seed 004 §5(1): 不超过15%, 不低于50%).
_SHARES_CLAUSE = cite(QUJING, "五(一)")


def rule_set_holds(plan: Plan, rules: RuleSet) -> list[Unmet]:
    """The rule set's budget rules: every yuan counted once, prohibited uses, caps and floors by tag (SPEC §7)."""
    unmet: list[Unmet] = tags_counted_once(plan, rules)
    for p in rules.prohibited:
        for line in plan.lines:
            if p.tag in line.tags:
                unmet.append(
                    Unmet(
                        "prohibited_use",
                        f"建设内容“{line.label()}”属于禁止使用中央财政资金的用途：{p.zh}",
                        f"Budget line '{line.label()}' is a prohibited use of central funds: {p.en}",
                        p.clause,
                    )
                )
    if plan.total <= 0:
        return unmet
    for cap in rules.caps:
        tagged = plan.tagged_sum(cap.tag)
        if tagged > cap.share * plan.total:
            zh_tag, en_tag = rules.tag_label(cap.tag)
            unmet.append(
                Unmet(
                    "share_above_cap",
                    f"{zh_tag}资金 {format_yuan(tagged)} 元，占总投资 {_pct(tagged, plan.total)}，"
                    f"超过 {share_text(cap.share)} 的上限（{cap.zh}）",
                    f"{en_tag} takes {format_yuan(tagged)} yuan, {_pct(tagged, plan.total)} of the total, "
                    f"above the {share_text(cap.share)} cap ({cap.en})",
                    cap.clause,
                )
            )
    for floor in rules.floors:
        tagged = plan.tagged_sum(floor.tag)
        if tagged < floor.share * plan.total:
            zh_tag, en_tag = rules.tag_label(floor.tag)
            unmet.append(
                Unmet(
                    "share_below_floor",
                    f"{zh_tag}资金 {format_yuan(tagged)} 元，占总投资 {_pct(tagged, plan.total)}，"
                    f"低于 {share_text(floor.share)} 的下限（{floor.zh}）",
                    f"{en_tag} takes {format_yuan(tagged)} yuan, {_pct(tagged, plan.total)} of the total, "
                    f"below the {share_text(floor.share)} floor ({floor.en})",
                    floor.clause,
                )
            )
    return unmet


def check_plan(plan: Plan, rules: RuleSet) -> list[Unmet]:
    """Everything ``file`` requires of the plan itself, in the order an official reads it."""
    return missing_amounts(plan) + sums_match(plan) + rule_set_holds(plan, rules)


def _pct(part: Decimal, whole: Decimal) -> str:
    return share_text((part / whole).quantize(Decimal("0.0001")))
