"""Contracts and contractors: who may be selected, and what a contract may promise (SPEC §4, §5.1).

Seed 003 §5(2)1 sets who may undertake the work: an independent legal person
with sound accounting and no violation record in the last three years. The
payment schedule follows seed 001 §6(2)2 (advance after start, stage payments
after stage acceptance, the rest after final acceptance): its shares sum to
exactly one, and the advance stays within the rule set's cap.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from disburse.domain import credit_code
from disburse.domain.citations import BURQIN, QUJING, SYSTEM_RULE, XX_COUNTY, cite, cites
from disburse.domain.money import amount_en, amount_zh, share_text
from disburse.domain.rules import RuleSet
from disburse.domain.unmet import Unmet

ELIGIBILITY_CLAUSE = cite(XX_COUNTY, "五(二)1")
SCHEDULE_CLAUSE = cite(BURQIN, "六(二)2")

#: The declarations seed 003 §5(2)1 asks of an applicant, with their labels.
DECLARATIONS: dict[str, tuple[str, str]] = {
    "independent_legal_person": ("具有独立法人资格", "is an independent legal person"),
    "sound_accounting": ("财务会计制度健全", "keeps sound accounts"),
    "no_violation_3y": ("近三年无违法违规记录", "has no violation record in the last three years"),
}


@dataclass(frozen=True)
class Contractor:
    name: str
    credit_code: str
    declarations: dict[str, bool]


@dataclass(frozen=True)
class Stage:
    name: str
    share: Decimal


@dataclass(frozen=True)
class Schedule:
    advance: Decimal
    stages: tuple[Stage, ...]
    final: Decimal

    def total(self) -> Decimal:
        return self.advance + sum((s.share for s in self.stages), Decimal(0)) + self.final


@dataclass(frozen=True)
class Contract:
    lot: str
    amount: Decimal
    line_ids: tuple[int, ...]
    contractor: Contractor
    schedule: Schedule
    id: int | None = None
    final_approved: bool = False
    #: a subsidy agreement (补助协议, issue 20): an award on a call's lines, which many share, rather than a
    #: procured contract owning its lines
    agreement: bool = False


def eligibility_unmet(contractor: Contractor) -> list[Unmet]:
    """Why a contractor may not be selected: a wrong credit code or a missing declaration."""
    unmet: list[Unmet] = []
    wrong = credit_code.problem(contractor.credit_code)
    if wrong:
        unmet.append(Unmet("contractor_ineligible",
                           f"承办企业“{contractor.name}”的统一社会信用代码有误：{wrong}",
                           f"Contractor '{contractor.name}': {wrong}", ELIGIBILITY_CLAUSE))
    for key, (zh, en) in DECLARATIONS.items():
        if not contractor.declarations.get(key):
            unmet.append(Unmet("contractor_ineligible",
                               f"承办企业“{contractor.name}”未声明{zh}（{key}）",
                               f"Contractor '{contractor.name}' has not declared that it {en} ({key})",
                               ELIGIBILITY_CLAUSE))
    return unmet


def schedule_unmet(schedule: Schedule, rules: RuleSet) -> list[Unmet]:
    """The schedule's shares sum to exactly one and the advance is within the rule set's cap."""
    unmet: list[Unmet] = []
    shares = [schedule.advance, schedule.final, *(s.share for s in schedule.stages)]
    if any(share < 0 or share > 1 for share in shares):
        unmet.append(Unmet("share_out_of_range", "付款比例须在0与1之间",
                           "Every payment share lies between 0 and 1", SCHEDULE_CLAUSE))
    if schedule.total() != 1:
        unmet.append(Unmet("schedule_not_one",
                           f"预拨、阶段和尾款比例合计为 {schedule.total()}，应恰为1",
                           f"The advance, stage and final shares sum to {schedule.total()}, not exactly 1",
                           SCHEDULE_CLAUSE))
    if schedule.advance > rules.advance_cap:
        unmet.append(Unmet("advance_above_cap",
                           f"预拨比例 {share_text(schedule.advance)} 超过规则上限 {share_text(rules.advance_cap)}",
                           f"The advance share {share_text(schedule.advance)} is above the rule set's cap of "
                           f"{share_text(rules.advance_cap)}",
                           rules.advance_clause or SCHEDULE_CLAUSE))
    return unmet


#: A contract spends what the plan budgets for the lines it covers: seed 004 §5(1) (严格项目资金使用) and
#: seed 001 §6 (资金规划和管理) — the plan's lines, not the contract, carry the caps, floors and prohibited uses.
LINES_CLAUSE = cites(cite(QUJING, "五(一)", "严格项目资金使用"), cite(BURQIN, "六", "资金规划和管理"))


def amounts_under(contract: Contract, lines: Mapping[int, Decimal | None]) -> Decimal:
    """What the plan budgets for the lines a contract covers."""
    return sum((lines.get(i) or Decimal(0) for i in contract.line_ids), Decimal(0))


def awarded_under(contract: Contract, agreements: list[Contract], lines: Mapping[int, Decimal | None]) -> Decimal:
    """What subsidy agreements hold of the lines a contract covers: each agreement's amount shared over its
    lines in proportion to their budgets, rounded up to the fen (as ``services.applications.committed_on``
    shares a contract's)."""
    held = Decimal(0)
    for agreement in agreements:
        whole = amounts_under(agreement, lines)
        inside = sum((lines.get(i) or Decimal(0) for i in agreement.line_ids if i in contract.line_ids), Decimal(0))
        if inside and whole:
            held += (agreement.amount * inside / whole).quantize(Decimal("0.01"), rounding=ROUND_UP)
    return held


def coverage_unmet(total: Decimal, contracts: list[Contract],
                   lines: Mapping[int, Decimal | None] | None = None) -> list[Unmet]:
    """Contracts sum to no more than the total, no line is covered by two procured contracts (SPEC §5.1), and a
    contract's amount is at most what the plan budgets for the lines it covers (issue 17), less what subsidy
    agreements hold of them (issue 20): so the rule set's caps, floors and prohibited uses, judged on the plan's
    lines, hold on what is contracted too. Agreements share the lines of their call: many may cover one line."""
    unmet: list[Unmet] = []
    agreements = [c for c in contracts if c.agreement]
    for contract in contracts if lines is not None else ():
        held = Decimal(0) if contract.agreement else awarded_under(contract, agreements, lines or {})
        under = amounts_under(contract, lines or {}) - held
        if contract.amount > under:
            less_zh, less_en = ("（扣除已批准补助）", " less the subsidies awarded on them") if held else ("", "")
            unmet.append(Unmet("contract_above_lines",
                               f"合同“{contract.lot}”金额 {amount_zh(contract.amount)}，超过其所含建设内容的"
                               f"预算合计{less_zh} {amount_zh(under)}",
                               f"Contract '{contract.lot}' of {amount_en(contract.amount)} is above the "
                               f"{amount_en(under)} the plan budgets for the lines it covers{less_en}", LINES_CLAUSE))
    contracted = sum((c.amount for c in contracts), Decimal(0))
    if contracted > total:
        unmet.append(Unmet("contracts_over_total",
                           f"合同金额合计 {amount_zh(contracted)}，超过项目总投资 {amount_zh(total)}",
                           f"Contracts sum to {amount_en(contracted)}, above the project total of "
                           f"{amount_en(total)}", SYSTEM_RULE))
    owner: dict[int, str] = {}
    for contract in contracts:
        for line_id in () if contract.agreement else contract.line_ids:
            if line_id in owner:
                unmet.append(Unmet("line_covered_twice",
                                   f"建设内容 {line_id} 已由合同“{owner[line_id]}”覆盖，不能再由“{contract.lot}”覆盖",
                                   f"Budget line {line_id} is covered by '{owner[line_id]}' already and cannot "
                                   f"also be covered by '{contract.lot}'", SYSTEM_RULE))
            else:
                owner[line_id] = contract.lot
    return unmet
