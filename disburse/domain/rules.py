"""Rule sets (资金管理规则): the policy a project follows (SPEC §7).

A rule set is data in ``config/rules/*.yaml``; this module holds its typed form.
Each rule carries the clause it encodes, so a refusal can cite it.
"""

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class TagRule:
    """A cap or floor on the share of the total that lines with ``tag`` may take."""

    tag: str
    share: Decimal
    clause: str
    zh: str
    en: str


@dataclass(frozen=True)
class Prohibition:
    tag: str
    zh: str
    en: str
    clause: str


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: int
    title_zh: str
    title_en: str
    tags: dict[str, tuple[str, str]]  # tag -> (zh, en)
    prohibited: tuple[Prohibition, ...] = ()
    caps: tuple[TagRule, ...] = ()
    floors: tuple[TagRule, ...] = ()
    advance_cap: Decimal = Decimal("0.30")
    advance_clause: str = ""
    approval_sla_days: int = 5
    notice_days: int = 5
    notice_working_days: bool = True
    notice_clause: str = ""
    report_due_day: int = 30
    report_lead_days: int = 5
    report_clause: str = ""
    deadline_lead_days: tuple[int, ...] = (30, 7, 1)
    sources: tuple[dict[str, str], ...] = field(default_factory=tuple)
    #: a payment is approved and disbursed only within the funds arrived (资金到位; issue 16, seed 003 §5(1)4)
    payments_within_arrived_funds: bool = False
    arrived_funds_clause: str = ""
    #: funds arrived and not paid out after this many days are reminded (0: never)
    idle_days: int = 0
    #: the finance bureau re-checks an acceptance's review result before its public notice (issue 17,
    #: seed 003 §5(2)3①); a rule file written before it has none
    finance_recheck: bool = False
    finance_recheck_clause: str = ""
    #: a stage or final payment is due this many days after its acceptance's approval (issue 17; 30 by
    #: 保障中小企业款项支付条例 第八条、第九条); content pinned before the key existed holds the law's 30
    payment_due_days: int = 30
    #: an enterprise already awarded support on one call of a project is not awarded on another (重复支持,
    #: issue 20): the national notices forbid supporting one enterprise twice from the same funds
    forbid_duplicate_support: bool = True
    duplicate_support_clause: str = ""
    #: how many of the leading group's members (those not recused) carry an acceptance's approval (会签, issue 21):
    #: ``majority`` or a share such as ``"3/5"`` (:mod:`disburse.domain.leading_group`)
    leader_quorum: str = "majority"
    leader_quorum_clause: str = ""

    def vocabulary(self) -> set[str]:
        """Every tag a plan may carry under this rule set: the allowed and the prohibited ones."""
        return set(self.tags) | {p.tag for p in self.prohibited}

    def tag_label(self, tag: str) -> tuple[str, str]:
        if tag in self.tags:
            return self.tags[tag]
        for p in self.prohibited:
            if p.tag == tag:
                return (p.zh, p.en)
        return (tag, tag)
