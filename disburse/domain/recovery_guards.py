"""Guards of the recovery workflow (``workflows/recovery.yaml``), one function each (issue 17).

A recovery (资金收回) orders back funds disbursed on a project, or on one of its contracts. What it may
demand is what was disbursed there less what other orders already demand (so everything recovered stays
within everything disbursed); fraud demands all of it (seed 003 §5(1)3: 对弄虚作假、欺骗行为的项目，应当
如数追缴回全部资金) and a smaller amount is refused; the other bases (seed 004 §5(5)4: a failed city-level
review or evaluation; a contractor's default; an audit finding) demand the amount given, more than zero.
A receipt is at most what is still outstanding. The messages cite the official documents by title and
number, as users read them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from disburse.domain.money import amount_en, amount_zh
from disburse.domain.states import RecoveryState
from disburse.domain.unmet import Unmet

#: seed 003 §5(1)3 — the plan of "XX县" has no document number of its own.
FRAUD_CLAUSE = ("《XX县创建国家级电子商务进农村综合示范县工作实施方案》五(一)3"
                "（对弄虚作假、欺骗行为的项目，应当如数追缴回全部资金）")
#: seed 004 §5(5)4
REVIEW_CLAUSE = "曲政办发〔2018〕205号 五(五)4（未通过市级审核和中央、省绩效评价的，收回中央补助资金）"
#: seed 003 §5(1)2: the finance bureau answers for the funds.
FINANCE_CLAUSE = "《XX县创建国家级电子商务进农村综合示范县工作实施方案》五(一)2（县财政局负责项目资金预算、拨付）"

#: The bases of a recovery, with their names (issue 17).
BASES: dict[str, dict[str, str]] = {
    "fraud": {"zh": "弄虚作假、欺骗", "en": "Fraud"},
    "failed_review": {"zh": "未通过市级审核", "en": "Failed city-level review"},
    "failed_evaluation": {"zh": "未通过绩效评价", "en": "Failed performance evaluation"},
    "default": {"zh": "承办企业违约", "en": "Contractor default"},
    "audit_finding": {"zh": "审计发现问题", "en": "Audit finding"},
}


@dataclass(frozen=True)
class RecoveryFacts:
    """One recovery (ordered, proposed, or about to be) and what its guards look at."""

    basis: str
    #: what the order demands: the amount given, or for fraud everything still recoverable
    amount: Decimal | None
    #: the amount the user gave (None: none given)
    given: Decimal | None
    #: disbursed on the scope (the contract named, else the project)
    disbursed: Decimal
    #: what may still be ordered on the scope: disbursed less what the other orders demand
    recoverable: Decimal
    actor_role: str
    state: str = RecoveryState.ORDERED
    contract_id: int | None = None
    #: the contract named belongs to the project; the document named belongs to it
    contract_found: bool = True
    document_found: bool = True
    received: Decimal = Decimal(0)
    today: date | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def outstanding(self) -> Decimal:
        """Ordered less received (nothing for a proposal or a dismissed one)."""
        if self.state in (RecoveryState.ORDERED, RecoveryState.PART_RECEIVED) and self.amount is not None:
            return self.amount - self.received
        return Decimal(0)


def _scope(f: RecoveryFacts) -> tuple[str, str]:
    return (f"合同 {f.contract_id}", f"contract {f.contract_id}") if f.contract_id else ("本项目", "the project")


def after_first_disbursement(f: RecoveryFacts) -> list[Unmet]:
    """Only money disbursed can be recovered: after the first disbursement, in any state (issue 17)."""
    if f.disbursed > 0:
        return []
    zh, en = _scope(f)
    return [Unmet("not_yet_disbursed", f"{zh}尚无已拨付资金，无可收回", f"Nothing has been disbursed on {en} yet; "
                  "there is nothing to recover", REVIEW_CLAUSE)]


def contract_of_project(f: RecoveryFacts) -> list[Unmet]:
    if f.contract_found:
        return []
    return [Unmet("contract_not_of_project", "所指合同不属于本项目", "The contract named is not one of this project's",
                  FINANCE_CLAUSE, field="contract_id")]


def document_of_project(f: RecoveryFacts) -> list[Unmet]:
    if f.document_found:
        return []
    return [Unmet("document_not_of_project", "所附文件不属于本项目", "The document named is not one of this project's",
                  FINANCE_CLAUSE, field="document_id")]


def amount_given(f: RecoveryFacts) -> list[Unmet]:
    """Every basis but fraud says how much is to be recovered (fraud recovers everything)."""
    if f.basis == "fraud" or f.amount is not None:
        return []
    return [Unmet("amount_required", "请填写应收回金额（弄虚作假的除外：全额收回）",
                  "Give the amount to recover (except for fraud, which recovers everything)", REVIEW_CLAUSE,
                  field="amount")]


def fraud_recovers_all(f: RecoveryFacts) -> list[Unmet]:
    """Seed 003 §5(1)3: fraud recovers everything disbursed — a smaller amount is refused."""
    if f.basis != "fraud" or f.given is None or f.given >= f.recoverable:
        return []
    zh, en = _scope(f)
    return [Unmet("fraud_recovers_all",
                  f"弄虚作假、欺骗的项目应如数追缴全部资金：{zh}应收回 {amount_zh(f.recoverable)}，"
                  f"不能只收回 {amount_zh(f.given)}",
                  f"Fraud recovers everything disbursed: {amount_en(f.recoverable)} on {en}, "
                  f"not {amount_en(f.given)}", FRAUD_CLAUSE)]


def within_disbursed(f: RecoveryFacts) -> list[Unmet]:
    """What is recovered never exceeds what was disbursed, counting what other orders already demand."""
    amount = f.given if f.basis == "fraud" and f.given is not None else f.amount
    if amount is None or amount <= f.recoverable:
        return []
    zh, en = _scope(f)
    return [Unmet("recovery_above_disbursed",
                  f"应收回 {amount_zh(amount)} 超过{zh}可收回的 {amount_zh(f.recoverable)}"
                  f"：已拨付 {amount_zh(f.disbursed)}，减去其他收回决定",
                  f"Recovering {amount_en(amount)} is more than the {amount_en(f.recoverable)} "
                  f"recoverable on {en} ({amount_en(f.disbursed)} disbursed, less other recovery orders)",
                  REVIEW_CLAUSE)]


def amount_positive(f: RecoveryFacts) -> list[Unmet]:
    """A recovery of nothing is no recovery (the old clawback took any amount from 0)."""
    if f.amount is None or f.amount > 0 or f.disbursed <= 0:
        return []
    return [Unmet("recovery_amount_not_positive", "应收回金额须大于零（已全部列入其他收回决定的，无需再收回）",
                  "The amount to recover must be more than zero (everything disbursed may already be ordered back)",
                  REVIEW_CLAUSE)]


def receipt_positive(f: RecoveryFacts) -> list[Unmet]:
    amount = f.data.get("amount")
    if amount is None or amount > 0:
        return []
    return [Unmet("receipt_not_positive", "收回金额须大于零", "The amount received must be more than zero",
                  FINANCE_CLAUSE, field="amount")]


def receipt_within_outstanding(f: RecoveryFacts) -> list[Unmet]:
    """A receipt is at most what is still owed on the order."""
    amount = f.data.get("amount")
    if amount is None or amount <= f.outstanding:
        return []
    return [Unmet("receipt_above_outstanding",
                  f"收回 {amount_zh(amount)} 超过尚未收回的 {amount_zh(f.outstanding)}",
                  f"Receiving {amount_en(amount)} is more than the {amount_en(f.outstanding)} "
                  "outstanding",
                  FINANCE_CLAUSE)]


def received_not_in_future(f: RecoveryFacts) -> list[Unmet]:
    on = f.data.get("received_on")
    if on is None or f.today is None or on <= f.today:
        return []
    return [Unmet("received_in_future", f"收回日期 {on.isoformat()} 晚于今天（{f.today.isoformat()}）",
                  f"The receipt is dated {on.isoformat()}, after today ({f.today.isoformat()})", FINANCE_CLAUSE,
                  field="received_on")]


def proposed_by_inspector(f: RecoveryFacts) -> str:
    """An inspector proposes; the supervisor, finance (and the system, for a failed evaluation) order."""
    return RecoveryState.PROPOSED if f.actor_role == "inspector" else RecoveryState.ORDERED


def settled_when_nothing_outstanding(f: RecoveryFacts) -> str:
    """Settled once the receipts add up to the order; partly received before."""
    amount = f.data.get("amount") or Decimal(0)
    return RecoveryState.SETTLED if amount >= f.outstanding else RecoveryState.PART_RECEIVED


RECOVERY_GUARDS: dict[str, Callable[[RecoveryFacts], list[Unmet]]] = {
    f.__name__: f for f in (after_first_disbursement, contract_of_project, document_of_project, amount_given,
                            fraud_recovers_all, within_disbursed, amount_positive, receipt_positive,
                            receipt_within_outstanding, received_not_in_future)}
RECOVERY_CHOOSERS: dict[str, Callable[[RecoveryFacts], str]] = {
    f.__name__: f for f in (proposed_by_inspector, settled_when_nothing_outstanding)}
