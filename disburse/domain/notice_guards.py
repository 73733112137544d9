"""The public notice's rules, shared by the acceptance's notice and the application's (issue 20): objections
while it runs, closing once it has ended, and where resolving an objection leads.

Seed 004 §5(5)2–3 (曲政办发〔2018〕205号): results and the proposed subsidy are publicised; money follows a
notice without (sustained) objections. Seed 003 §5(2)3② publicises the applications that passed the
re-check the same way. Each workflow's guard calls these with its own facts and clause.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from disburse.domain.notice import SHANGHAI
from disburse.domain.unmet import Unmet

_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class ObjectionFacts:
    id: int
    decision: str | None


class NoticeFacts(Protocol):
    @property
    def now(self) -> datetime: ...

    @property
    def notice_ends_at(self) -> datetime | None: ...

    @property
    def objections(self) -> tuple[ObjectionFacts, ...]: ...

    @property
    def data(self) -> dict[str, Any]: ...


def end_text(facts: NoticeFacts) -> tuple[str, str]:
    """The notice's last day and its end in Beijing time ("?" when there is no notice yet)."""
    if facts.notice_ends_at is None:
        return "?", "?"
    last = (facts.notice_ends_at.astimezone(SHANGHAI) - _ONE_SECOND).date()
    return last.isoformat(), facts.notice_ends_at.astimezone(SHANGHAI).isoformat()


def notice_open(facts: NoticeFacts, clause: str) -> list[Unmet]:
    """Objections are taken while the notice runs."""
    if facts.notice_ends_at is not None and facts.now < facts.notice_ends_at:
        return []
    last, _ = end_text(facts)
    return [Unmet("notice_closed", f"公示期已于 {last} 结束，不再受理异议",
                  f"The public notice ended on {last}; objections are no longer taken", clause)]


def notice_ended(facts: NoticeFacts, clause: str) -> list[Unmet]:
    """A notice is closed only once it has ended (24:00 Shanghai of its last day)."""
    if facts.notice_ends_at is not None and facts.now >= facts.notice_ends_at:
        return []
    last, _ = end_text(facts)
    return [Unmet("notice_not_ended", f"公示期至 {last} 24:00 结束，尚未届满",
                  f"The public notice runs until the end of {last} (Asia/Shanghai); it has not ended yet", clause)]


def objection_pending(facts: NoticeFacts, clause: str) -> list[Unmet]:
    """The objection to resolve belongs to this notice and is not decided yet."""
    wanted = facts.data.get("objection_id")
    for objection in facts.objections:
        if objection.id == wanted:
            if objection.decision is None:
                return []
            return [Unmet("objection_decided", f"异议 {wanted} 已处理", f"Objection {wanted} has been decided already",
                          clause)]
    return [Unmet("objection_unknown", f"本公示没有异议 {wanted}", f"This notice has no objection {wanted}", clause)]


def objection_outcome(facts: NoticeFacts, upheld: str) -> str:
    """Where resolving an objection leads: ``upheld`` if upheld; else ``objected`` while others are pending;
    else back ``in_notice`` while it runs, or ``notice_clear`` once it has ended (the states of both
    workflows)."""
    if facts.data.get("decision") == "uphold":
        return upheld
    wanted = facts.data.get("objection_id")
    if any(o.decision is None and o.id != wanted for o in facts.objections):
        return "objected"
    if facts.notice_ends_at is not None and facts.now >= facts.notice_ends_at:
        return "notice_clear"
    return "in_notice"
