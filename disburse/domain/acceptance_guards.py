"""Guards and choices of the acceptance workflow (``workflows/acceptance.yaml``), one function each.

Seed 004 §5(5): the county reviews each delivered item and gives a verdict
合格/不合格 with the amount it accepts; accepted results are published; after
a notice without (sustained) objections the leading group approves, and only
then may money follow.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from disburse.domain.money import format_yuan
from disburse.domain.notice import SHANGHAI
from disburse.domain.unmet import Unmet

VERDICT_CLAUSE = "seed 004 §5(5)2"
_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class ObjectionFacts:
    id: int
    decision: str | None


@dataclass(frozen=True)
class AcceptanceFacts:
    """What the acceptance guards may look at, gathered by the service."""

    state: str
    actor_id: int | None
    now: datetime
    line_amounts: dict[int, Decimal]
    verdict_by: int | None = None
    notice_ends_at: datetime | None = None
    objections: tuple[ObjectionFacts, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


def verdicts_complete(facts: AcceptanceFacts) -> list[Unmet]:
    """Every line of the contract gets one verdict, for no more than the line's amount."""
    unmet: list[Unmet] = []
    given: dict[int, dict[str, Any]] = {}
    for verdict in facts.data.get("verdicts") or []:
        line_id = verdict["line_id"]
        if line_id not in facts.line_amounts:
            unmet.append(Unmet("verdict_unknown_line", f"建设内容 {line_id} 不属于本合同",
                               f"Budget line {line_id} is not covered by this contract", VERDICT_CLAUSE))
        elif line_id in given:
            unmet.append(Unmet("verdict_twice", f"建设内容 {line_id} 有两条验收结论",
                               f"Budget line {line_id} has two verdicts", VERDICT_CLAUSE))
        given[line_id] = verdict
    for line_id, amount in facts.line_amounts.items():
        verdict = given.get(line_id)
        if verdict is None:
            unmet.append(Unmet("verdict_missing", f"建设内容 {line_id} 尚无验收结论",
                               f"Budget line {line_id} has no verdict", VERDICT_CLAUSE))
        elif verdict["accepted_amount"] > amount:
            unmet.append(Unmet("accepted_above_line",
                               f"建设内容 {line_id} 核定金额 {format_yuan(verdict['accepted_amount'])} 元，"
                               f"超过其预算 {format_yuan(amount)} 元",
                               f"Budget line {line_id}: accepted {format_yuan(verdict['accepted_amount'])} yuan "
                               f"is more than its {format_yuan(amount)} yuan", VERDICT_CLAUSE))
    return unmet


def every_line_passes(facts: AcceptanceFacts) -> list[Unmet]:
    """``pass`` needs 合格 on every line."""
    failing = [v["line_id"] for v in facts.data.get("verdicts") or [] if v["result"] != "pass"]
    return [Unmet("line_failed", f"建设内容 {line_id} 的结论为不合格，不能判定验收合格",
                  f"Budget line {line_id} failed, so the acceptance cannot pass", VERDICT_CLAUSE)
            for line_id in failing]


def some_line_fails(facts: AcceptanceFacts) -> list[Unmet]:
    """``fail`` names at least one 不合格 line."""
    if any(v["result"] == "fail" for v in facts.data.get("verdicts") or []):
        return []
    return [Unmet("no_line_failed", "判定不合格须至少有一项建设内容不合格",
                  "A failed acceptance names at least one failed line", VERDICT_CLAUSE)]


def _end_text(facts: AcceptanceFacts) -> tuple[str, str]:
    assert facts.notice_ends_at is not None
    last = (facts.notice_ends_at.astimezone(SHANGHAI) - _ONE_SECOND).date()
    return last.isoformat(), facts.notice_ends_at.astimezone(SHANGHAI).isoformat()


def notice_open(facts: AcceptanceFacts) -> list[Unmet]:
    """Objections are taken while the notice runs."""
    if facts.notice_ends_at is not None and facts.now < facts.notice_ends_at:
        return []
    last, _ = _end_text(facts) if facts.notice_ends_at else ("?", "?")
    return [Unmet("notice_closed", f"公示期已于 {last} 结束，不再受理异议",
                  f"The public notice ended on {last}; objections are no longer taken", "seed 004 §5(5)2")]


def notice_ended(facts: AcceptanceFacts) -> list[Unmet]:
    """A notice is closed only once it has ended (24:00 Shanghai of its last day)."""
    if facts.notice_ends_at is not None and facts.now >= facts.notice_ends_at:
        return []
    last, _ = _end_text(facts)
    return [Unmet("notice_not_ended", f"公示期至 {last} 24:00 结束，尚未届满",
                  f"The public notice runs until the end of {last} (Asia/Shanghai); it has not ended yet",
                  "seed 004 §5(5)2")]


def objection_pending(facts: AcceptanceFacts) -> list[Unmet]:
    """The objection to resolve belongs to this notice and is not decided yet."""
    wanted = facts.data.get("objection_id")
    for objection in facts.objections:
        if objection.id == wanted:
            if objection.decision is None:
                return []
            return [Unmet("objection_decided", f"异议 {wanted} 已处理",
                          f"Objection {wanted} has been decided already", "seed 004 §5(5)3")]
    return [Unmet("objection_unknown", f"本公示没有异议 {wanted}",
                  f"This notice has no objection {wanted}", "seed 004 §5(5)3")]


def not_the_verdict_actor(facts: AcceptanceFacts) -> list[Unmet]:
    """Who recorded the verdict may not approve it (SPEC §5.2, four eyes)."""
    if facts.actor_id is None or facts.actor_id != facts.verdict_by:
        return []
    return [Unmet("same_actor_as_verdict", "作出验收结论的人员不能审定同一验收",
                  "The user who recorded the verdict may not approve the same acceptance", "SPEC §5.2")]


def deadline_ahead(facts: AcceptanceFacts) -> list[Unmet]:
    """A rectification deadline lies after today (Asia/Shanghai)."""
    deadline: date | None = facts.data.get("deadline")
    today = facts.now.astimezone(SHANGHAI).date()
    if deadline is None or deadline > today:
        return []
    return [Unmet("deadline_passed", f"整改期限 {deadline.isoformat()} 应晚于今天 {today.isoformat()}",
                  f"The deadline {deadline.isoformat()} must be after today, {today.isoformat()}",
                  "seed 004 §5(5)4")]


def objection_outcome(facts: AcceptanceFacts) -> str:
    """Where resolving an objection leads: failed if upheld; else objected while others are
    pending; else back in the notice while it runs, or clear once it has ended."""
    if facts.data.get("decision") == "uphold":
        return "failed"
    wanted = facts.data.get("objection_id")
    if any(o.decision is None and o.id != wanted for o in facts.objections):
        return "objected"
    if facts.notice_ends_at is not None and facts.now >= facts.notice_ends_at:
        return "notice_clear"
    return "in_notice"


ACCEPTANCE_GUARDS: dict[str, Callable[[AcceptanceFacts], list[Unmet]]] = {
    "verdicts_complete": verdicts_complete,
    "every_line_passes": every_line_passes,
    "some_line_fails": some_line_fails,
    "notice_open": notice_open,
    "notice_ended": notice_ended,
    "objection_pending": objection_pending,
    "not_the_verdict_actor": not_the_verdict_actor,
    "deadline_ahead": deadline_ahead,
}

ACCEPTANCE_CHOOSERS: dict[str, Callable[[AcceptanceFacts], str]] = {
    "objection_outcome": objection_outcome,
}
