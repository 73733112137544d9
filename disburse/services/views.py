"""What the workflow use cases answer: typed, frozen values (issue 15).

A view holds values, not text: amounts as ``Decimal`` yuan, times as aware ``datetime``, dates as
``date``, labels as ``{"zh", "en"}``. Writing them down is the edge's job: the API's schemas
(``disburse/api/schemas.py``, the one JSON serialiser) write money as ``"6500000.00"`` and times in ISO
8601; the pages write 元 and 万元 and Beijing time with their filters. The fields are the ones SPEC §11.1
names for each object.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

Label = dict[str, str]


@dataclass(frozen=True)
class PayeeView:
    """Who a payment goes to and where (issue 17): the contract's contractor, its bank and account."""

    name: str
    bank: str | None
    account: str | None


@dataclass(frozen=True)
class PaymentView:
    """A payment (SPEC §5.3) with the events the reader may fire on it now."""

    id: int
    contract_id: int
    project_id: int
    kind: str
    amount: Decimal
    acceptance_id: int | None
    state: str
    state_label: Label | None
    note: str | None
    requested_by: int | None
    verified_by: int | None
    approved_by: int | None
    disbursed_by: int | None
    voucher_no: str | None
    disbursed_on: date | None
    allowed_events: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    payee: PayeeView | None = None
    #: the due clock (issue 17, 保障中小企业款项支付条例 第八条、第九条): a stage or final payment is due
    #: ``due_days`` after its acceptance's approval; days late until paid (0 in time or not yet due)
    due_days: int | None = None
    due_on: date | None = None
    overdue_days: int = 0
    #: the bank's transaction reference of the disbursement; the documents the request carries (issue 18)
    bank_reference: str | None = None
    document_ids: tuple[int, ...] = ()
    #: a per-unit subsidy's payment: the verified volume report it pays (issue 20 item 4)
    volume_report_id: int | None = None
    #: the principal each step was done for under a delegation (代理, issue 21 item 2), by step
    on_behalf_of: dict[str, int] = field(default_factory=dict)

    @property
    def paid_on(self) -> date | None:
        """The day money left, under the name the disbursement form gives it (issue 18 item 4)."""
        return self.disbursed_on


@dataclass(frozen=True)
class VerdictView:
    line_id: int
    result: str
    accepted_amount: Decimal
    note: str | None


@dataclass(frozen=True)
class ScopeLineView:
    """A budget line an acceptance covers, its amount under the contract and what other acceptances of the
    contract accepted of it already (issue 17)."""

    line_id: int
    label: str
    amount: Decimal
    accepted_elsewhere: Decimal


@dataclass(frozen=True)
class VoteView:
    """A leading-group member's vote or recusal on one attempt of an acceptance (会签, issue 21)."""

    user_id: int
    username: str
    vote: str
    opinion: str | None
    attempt: int
    at: datetime
    #: the deputy who cast it for the member under a delegation (代理, issue 21 item 2)
    cast_by: str | None = None


@dataclass(frozen=True)
class RecheckView:
    """The finance bureau's re-check of an acceptance's review result (财政复核, issue 17)."""

    by: int
    at: datetime
    note: str | None
    document_id: int | None


@dataclass(frozen=True)
class ObjectionView:
    """An objection; ``name`` and ``contact`` are left out (None) where the reader may not see who objected."""

    id: int
    content: str
    created_at: datetime
    decision: str | None
    note: str | None
    name: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class NoticeView:
    id: int
    published_at: datetime
    ends_at: datetime
    ends_on: date
    days: int
    working_days: bool
    closed_at: datetime | None


@dataclass(frozen=True)
class DocumentRef:
    id: int
    filename: str
    sha256: str


@dataclass(frozen=True)
class AcceptanceView:
    """An acceptance (SPEC §5.2) with its verdicts, notice and objections, and the reader's events."""

    id: int
    contract_id: int
    project_id: int
    kind: str
    stage: int | None
    state: str
    state_label: Label | None
    note: str | None
    attempt: int
    verdicts: tuple[VerdictView, ...]
    accepted_total: Decimal
    verdict_by: int | None
    approved_by: int | None
    notice: NoticeView | None
    objections: tuple[ObjectionView, ...]
    rectify_deadline: date | None
    documents: tuple[DocumentRef, ...]
    allowed_events: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    lines: tuple[ScopeLineView, ...] = ()
    recheck: RecheckView | None = None
    votes: tuple[VoteView, ...] = ()


@dataclass(frozen=True)
class AmendmentView:
    """A proposed change of a filed plan (方案调整): the plan proposed, what it changes against the version in
    force, and the supervisor's decision (issue 16)."""

    id: int
    project_id: int
    state: str
    state_label: Label | None
    reason: str
    base_version: int
    plan: dict[str, Any]
    changes: tuple[dict[str, Any], ...]
    summary: Label
    proposed_by: int | None
    decided_by: int | None
    note: str | None
    allowed_events: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class VersionView:
    """One version of a project's plan: when and in which state it was made, why, who approved it, what
    changed against the version before."""

    number: int
    in_force: bool
    made_in_state: str
    made_in_state_label: Label | None
    reason: str | None
    created_by: int | None
    created_at: datetime
    approved_by: int | None
    approved_at: datetime | None
    amendment_id: int | None
    changes: tuple[dict[str, Any], ...]
    summary: Label


@dataclass(frozen=True)
class AllocationView:
    """Funds arrived (资金下达/到位): the allocating document, the funding source, the amount, the day."""

    id: int
    project_id: int
    doc_no: str
    source: str
    amount: Decimal
    arrived_on: date
    recorded_by: int | None
    recorded_at: datetime


@dataclass(frozen=True)
class SourceFunds:
    source: str
    planned: Decimal
    arrived: Decimal

    @property
    def to_come(self) -> Decimal:
        return self.planned - self.arrived


@dataclass(frozen=True)
class FundsView:
    """A project's funds by source: what the plan budgets and what has arrived."""

    sources: tuple[SourceFunds, ...]
    allocations: tuple[AllocationView, ...]
    planned: Decimal
    arrived: Decimal


@dataclass(frozen=True)
class LineView:
    id: int
    ref: str | None
    category: str
    item: str
    amount: Decimal | None
    tags: tuple[str, ...]
    responsible: tuple[str, ...]
    cooperating: tuple[str, ...]
    deadline: date | None
    note: str | None


@dataclass(frozen=True)
class FundingView:
    source: str
    amount: Decimal
    note: str | None
    predecessor: int | None


@dataclass(frozen=True)
class PhaseView:
    name: str
    start: date | None
    end: date | None
    note: str | None


@dataclass(frozen=True)
class TargetView:
    """A performance target (绩效指标); quantities as the exact decimal text the plan gives."""

    name: str
    unit: str | None
    target: str | None
    actual: str | None
    note: str | None


@dataclass(frozen=True)
class TenderRoundView:
    round: int
    method: str
    packaging: str
    announced_on: date
    reference: str | None
    outcome: str
    failed_note: str | None


@dataclass(frozen=True)
class ContractRef:
    id: int
    lot: str
    contractor_name: str
    amount: Decimal


@dataclass(frozen=True)
class EvaluationView:
    result: str
    evaluator: str
    document_id: int | None
    recorded_at: datetime


@dataclass(frozen=True)
class ReceiptView:
    """Money received back on a recovery, with its voucher (issue 17)."""

    id: int
    amount: Decimal
    received_on: date
    voucher_no: str
    recorded_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class RecoveryView:
    """A recovery order (资金收回, issue 17): what it demands, what came back, what is still owed."""

    id: int
    project_id: int
    contract_id: int | None
    basis: str
    basis_label: Label
    amount: Decimal
    received: Decimal
    outstanding: Decimal
    reason: str
    document_id: int | None
    state: str
    state_label: Label | None
    project_state: str
    #: ordered after the project closed: tracked and disclosed, reopening nothing
    after_closure: bool
    proposed_by: int | None
    ordered_by: int | None
    ordered_at: datetime | None
    note: str | None
    receipts: tuple[ReceiptView, ...]
    allowed_events: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RecoverySummary:
    """A project's recoveries in figures: ordered (proposals and dismissed ones left out), received, outstanding."""

    ordered: Decimal
    received: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Tender:
    rounds: tuple[TenderRoundView, ...]
    current: TenderRoundView | None


@dataclass(frozen=True)
class ProjectView:
    """A project (SPEC §11.1 ``GET /projects/{id}``); its figures are summed over what the reader may see."""

    id: int
    name: str
    doc_no: str | None
    region: Label
    rule_set: str
    state: str
    state_label: Label | None
    previous_state: str | None
    plan_version: int
    rule_version: int | None
    total: Decimal
    lines_total: Decimal
    contracted: Decimal
    disbursed: Decimal
    in_flight: Decimal
    recovered: Decimal
    surplus: Decimal | None
    period_start: date | None
    period_end: date | None
    funding: tuple[FundingView, ...]
    phases: tuple[PhaseView, ...]
    subtotals: dict[str, Any]
    lines: tuple[LineView, ...]
    targets: tuple[TargetView, ...]
    tender_rounds: tuple[TenderRoundView, ...]
    contracts: tuple[ContractRef, ...]
    evaluation: EvaluationView | None
    recovery: RecoverySummary
    recoveries: tuple[RecoveryView, ...]
    allowed_events: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    funds: FundsView | None = None

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)

    @property
    def tender(self) -> Tender:
        """The tender rounds, the latest being the current one."""
        return Tender(self.tender_rounds, self.tender_rounds[-1] if self.tender_rounds else None)
