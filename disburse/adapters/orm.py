"""SQLAlchemy 2 typed models (the persistence side of the domain).

Money is stored as integer fen (:class:`Money`) and read back as Decimal yuan,
so no dialect ever sees a float (SPEC §4). Constraint names follow one naming
convention, so Alembic migrations are stable across SQLite and PostgreSQL.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from disburse.clock import REAL
from disburse.domain.money import from_fen, to_fen

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Money(TypeDecorator[Decimal]):
    """Decimal yuan in Python, integer fen in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        return None if value is None else to_fen(value)

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else from_fen(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every dialect (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Region(Base):
    """An administrative division with its GB/T 2260 code (SPEC §4)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    path: Mapped[str] = mapped_column(String(64), index=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    contractor_code: Mapped[str | None] = mapped_column(String(18))
    email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)

    region: Mapped[Region] = relationship(lazy="joined")


class Delegation(Base):
    """A principal's work handed to a deputy of the same county for a half-open period ``[starts_at, ends_at)``
    (代理, issue 21 item 2): the deputy acts within the principal's role and jurisdiction, and every action
    records both. Revoked, it ends at ``revoked_at``."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    principal: Mapped[User] = relationship(foreign_keys=[principal_id], lazy="joined")
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id], lazy="joined")


class ApiToken(Base):
    """A bearer token, stored only as its SHA-256 (SPEC §11.1)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class Project(Base):
    """One county's funded project, defined by its plan (SPEC §4)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    doc_no: Mapped[str | None] = mapped_column(String(128))
    rule_set: Mapped[str] = mapped_column(String(64))
    total: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(32), index=True)
    previous_state: Mapped[str | None] = mapped_column(String(32))
    #: the plan version in force (1 as drafted and filed; one more per approved amendment, issue 16)
    plan_version: Mapped[int] = mapped_column(Integer, default=1)
    #: the rule set's version and the SHA-256 of its content when the project was created (pinned, issue 16)
    rule_version: Mapped[int | None] = mapped_column(Integer)
    rule_sha256: Mapped[str | None] = mapped_column(String(64))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    subtotals: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)

    region: Mapped[Region] = relationship(lazy="joined")
    lines: Mapped[list["BudgetLine"]] = relationship(
        order_by="BudgetLine.position", cascade="all, delete-orphan"
    )
    funding: Mapped[list["FundingSource"]] = relationship(
        order_by="FundingSource.position", cascade="all, delete-orphan",
        foreign_keys="FundingSource.project_id",
    )
    phases: Mapped[list["Phase"]] = relationship(order_by="Phase.position", cascade="all, delete-orphan")
    targets: Mapped[list["Target"]] = relationship(order_by="Target.position", cascade="all, delete-orphan")


class BudgetLine(Base):
    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(255))
    item: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: how the amount splits between the line's share-relevant tags ({tag: "amount"}), when it has several
    split: Mapped[dict[str, str] | None] = mapped_column(JSON)
    responsible: Mapped[list[str]] = mapped_column(JSON, default=list)
    cooperating: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class FundingSource(Base):
    __tablename__ = "funding_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(255))
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(Text)
    #: a follow-up project (续建) funded from this predecessor's surplus (seed 000 §7)
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)


class Phase(Base):
    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class Target(Base):
    """A performance target (绩效指标); values kept as exact decimal text."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    unit: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(32))
    actual: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class TenderRound(Base):
    """One announcement of the tender; a failed one (流标) is followed by another (seed 004 §5(2))."""

    __tablename__ = "tender_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(32))
    packaging: Mapped[str] = mapped_column(String(16))
    announced_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16), default="open")
    failed_note: Mapped[str | None] = mapped_column(Text)


class Contractor(Base):
    """A company that undertakes the work (承办企业), known by its credit code (SPEC §4)."""

    __tablename__ = "contractors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    #: seed 003 §5(2)1: {"independent_legal_person": true, ...}
    declarations: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    #: supporting documents per declaration: {"sound_accounting": 12}
    declaration_documents: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class ContractLine(Base):
    __tablename__ = "contract_lines"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), primary_key=True, index=True)


class Contract(Base):
    """A signed award to one contractor for some budget lines, with its payment schedule."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    lot: Mapped[str] = mapped_column(String(255))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    signed_on: Mapped[date] = mapped_column(Date)
    advance_share: Mapped[str] = mapped_column(String(16))
    final_share: Mapped[str] = mapped_column(String(16))
    #: [{"name": "阶段一", "share": "0.40"}]
    stages: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    #: where the money goes (issue 17): the payee's bank (开户银行) and account (账号); the account's name is
    #: the contractor's name
    payee_bank: Mapped[str | None] = mapped_column(String(128))
    payee_account: Mapped[str | None] = mapped_column(String(40))
    #: the contract's own payment term after acceptance, if it agrees one (≤ 60, 保障中小企业款项支付条例 第九条);
    #: None: the rule set's ``payment_due_days``
    payment_due_days: Mapped[int | None] = mapped_column(Integer)
    #: a subsidy agreement (补助协议, issue 20): the award of this application, with the enterprise for the
    #: awarded amount; None for a procured contract
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)

    contractor: Mapped[Contractor] = relationship(lazy="joined")
    lines: Mapped[list[ContractLine]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Acceptance(Base):
    """A review of delivered work: stage or final (SPEC §5.2)."""

    __tablename__ = "acceptances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    stage: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rectify_deadline: Mapped[date | None] = mapped_column(Date)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    #: the budget lines a stage acceptance covers (the work delivered in that stage, issue 17); none: every
    #: line of the contract not yet accepted (a final acceptance always covers those)
    line_ids: Mapped[list[int] | None] = mapped_column(JSON)
    #: the finance bureau's re-check of the review result (seed 003 §5(2)3①), where the rule set requires it
    rechecked_by: Mapped[int | None] = mapped_column(Integer)
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recheck_note: Mapped[str | None] = mapped_column(Text)
    recheck_document_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)

    verdicts: Mapped[list["Verdict"]] = relationship(order_by="Verdict.line_id", cascade="all, delete-orphan")
    notices: Mapped[list["Notice"]] = relationship(order_by="Notice.id")
    #: the leading group's votes and recusals (issue 21), every attempt's, oldest first
    votes: Mapped[list["AcceptanceVote"]] = relationship(order_by="AcceptanceVote.id")


class AcceptanceVote(Base):
    """A leading-group member's vote on an acceptance's result (会签, issue 21; seed 004 §5(5)3): ``approve`` or
    ``reject`` with an opinion, or ``recuse`` with its reason; one a member and attempt."""

    __tablename__ = "acceptance_votes"
    __table_args__ = (UniqueConstraint("acceptance_id", "attempt", "user_id", name="uq_acceptance_votes_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    acceptance_id: Mapped[int] = mapped_column(ForeignKey("acceptances.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    vote: Mapped[str] = mapped_column(String(8))
    opinion: Mapped[str | None] = mapped_column(Text)
    #: the deputy who cast the member's vote under a delegation (代理, issue 21 item 2); none when the member did
    cast_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class Verdict(Base):
    """合格/不合格 for one budget line, with the accepted amount (seed 004 §5(5)2)."""

    __tablename__ = "verdicts"

    acceptance_id: Mapped[int] = mapped_column(ForeignKey("acceptances.id"), primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), primary_key=True)
    result: Mapped[str] = mapped_column(String(8))
    accepted_amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(Text)


class Notice(Base):
    """The public notice (公示) of an acceptance result, or of an application's review result and proposed
    subsidy (issue 20; seed 003 §5(2)3②): exactly one of ``acceptance_id`` and ``application_id``."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    acceptance_id: Mapped[int | None] = mapped_column(ForeignKey("acceptances.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    days: Mapped[int] = mapped_column(Integer)
    working_days: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    objections: Mapped[list["Objection"]] = relationship(order_by="Objection.id")


class Objection(Base):
    """A complaint filed by the public during a notice (异议)."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str] = mapped_column(String(128))
    content: Mapped[str] = mapped_column(Text)
    client_addr: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now, index=True)
    decision: Mapped[str | None] = mapped_column(String(8))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class Document(Base):
    """An uploaded file, stored by its SHA-256 (SPEC §4)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    acceptance_id: Mapped[int | None] = mapped_column(ForeignKey("acceptances.id"))
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class Evaluation(Base):
    """The final performance evaluation (绩效评价) of a project, passed or failed."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    result: Mapped[str] = mapped_column(String(8))
    evaluator: Mapped[str] = mapped_column(String(255))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class Payment(Base):
    """An advance, stage or final payment on a contract and its workflow state (SPEC §5.3)."""

    __tablename__ = "payments"
    #: the approval queue looks up a jurisdiction's waiting payments project by project, oldest first
    __table_args__ = (Index("ix_payments_project_id_state", "project_id", "state", "updated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Money)
    acceptance_id: Mapped[int | None] = mapped_column(ForeignKey("acceptances.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disbursed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the principal each step was done for, when a delegate did it (代理, issue 21 item 2); segregation of
    #: duties counts both
    requested_for: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_for: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_for: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disbursed_for: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_for: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voucher_no: Mapped[str | None] = mapped_column(String(64))
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    #: the bank's transaction reference of the disbursement (银行交易流水号), when finance records one
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    #: a per-unit subsidy's payment: the verified volume report it pays (issue 20 item 4)
    volume_report_id: Mapped[int | None] = mapped_column(ForeignKey("volume_reports.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class PaymentDocument(Base):
    """A document of the project a payment request carries as its evidence (issue 18 item 4): the invoice
    (发票), the acceptance report (验收报告), the application (申请)."""

    __tablename__ = "payment_documents"

    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True, index=True)


class RecoveryOrder(Base):
    """A recovery (资金收回, issue 17): an order to recover funds disbursed on a project or one of its contracts,
    on a basis (seed 003 §5(1)3 fraud; seed 004 §5(5)4 failed review or evaluation; default; audit finding),
    a receivable until its receipts add up to its amount. ``received`` is the sum of its receipts, kept with
    them in the same transaction."""

    __tablename__ = "recovery_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    basis: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Decimal] = mapped_column(Money)
    received: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    reason: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    state: Mapped[str] = mapped_column(String(16), index=True)
    #: the project's state when the recovery was asked for (``closed``: ordered after closure)
    project_state: Mapped[str] = mapped_column(String(32))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ordered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class RecoveryReceipt(Base):
    """Money received back on a recovery order (收回款), with its voucher (issue 17)."""

    __tablename__ = "recovery_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recovery_id: Mapped[int] = mapped_column(ForeignKey("recovery_orders.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    received_on: Mapped[date] = mapped_column(Date)
    voucher_no: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class RecoveryShare(Base):
    """A receipt's share of one contract, so each contract's ledger shows what came back (seed 004 §5(5)4):
    all of it for an order naming the contract, else in proportion to what each contract still holds."""

    __tablename__ = "recoveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("recovery_receipts.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    recovered_on: Mapped[date] = mapped_column(Date)

    receipt: Mapped[RecoveryReceipt | None] = relationship()


class IdempotencyKey(Base):
    """The first response to a request made with an ``Idempotency-Key`` (SPEC §11.1), per user."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now, index=True)


class AuditEntry(Base):
    """One entry of the append-only, hash-chained audit log (SPEC §8)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        # the browser's keyset pages (issue 19): one index range per jurisdiction level, filter and cursor
        Index("ix_audit_entries_province_code_seq", "province_code", "seq"),
        Index("ix_audit_entries_prefecture_code_seq", "prefecture_code", "seq"),
        Index("ix_audit_entries_county_code_seq", "county_code", "seq"),
        Index("ix_audit_entries_project_id_seq", "project_id", "seq"),
        Index("ix_audit_entries_actor_username_seq", "actor_username", "seq"),
        # an action filter: one range per action of its prefix, per level (nationally, by action alone)
        Index("ix_audit_entries_province_code_action_seq", "province_code", "action", "seq"),
        Index("ix_audit_entries_prefecture_code_action_seq", "prefecture_code", "action", "seq"),
        Index("ix_audit_entries_county_code_action_seq", "county_code", "action", "seq"),
        Index("ix_audit_entries_action_seq", "action", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[int | None] = mapped_column(Integer)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The entry's jurisdiction (issue 19), derived when it is appended and kept out of the hashed
    #: bytes (docs/audit-format.md): the region it belongs to (NULL: none) and that region's
    #: province, prefecture and county codes, NULL below the region's own level.
    region_code: Mapped[str | None] = mapped_column(String(6))
    province_code: Mapped[str | None] = mapped_column(String(6))
    prefecture_code: Mapped[str | None] = mapped_column(String(6))
    county_code: Mapped[str | None] = mapped_column(String(6))

    def as_chain_record(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in (
            "seq", "at", "actor_id", "actor_username", "actor_role", "action", "entity_type",
            "entity_id", "project_id", "from_state", "to_state", "data", "note", "request_id",
            "client_addr", "prev_hash", "hash")}


class ProgressReport(Base):
    """A monthly progress report (进度月报, seed 004 §8(1)3: before the 30th of each month)."""

    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("project_id", "month", name="uq_progress_reports_project_id_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    text: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class Reminder(Base):
    """A reminder that has fired, under its unique key ``kind:target:period`` (SPEC §10).

    The key is unique, so a reminder is delivered at most once whatever restarts or
    however many schedulers raced: the second insert of a key fails and its
    transaction, with its notifications, rolls back.
    """

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(40))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class Notification(Base):
    """One message in one user's in-app inbox, in both languages."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    subject_zh: Mapped[str] = mapped_column(Text)
    subject_en: Mapped[str] = mapped_column(Text)
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboundMail(Base):
    """An e-mail waiting for (or done with) SMTP delivery; rows are never deleted.

    Written in the same transaction as its notification; a delivery job sends it,
    retrying with back-off (``attempts``, ``next_attempt_at``, ``last_error``).
    """

    __tablename__ = "outbound_mail"
    __table_args__ = (Index("ix_outbound_mail_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    to_addr: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class AuditCheckpoint(Base):
    """A signed checkpoint of the audit log: its Merkle tree head at ``size`` (SPEC §8; docs/audit-proofs.md).

    ``state`` is the compact range at ``size`` (:meth:`disburse.domain.merkle.CompactRange.dump`), from
    which the next checkpoint extends the tree, so no checkpoint is ever computed afresh over whatever
    the table holds. The table is append-only, like the log.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), unique=True)
    root: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class AuditLeaf(Base):
    """The Merkle leaf hash of one audit entry (SHA-256(0x00 ‖ canonical bytes)), kept for proofs."""

    __tablename__ = "audit_leaves"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class RateLimit(Base):
    """One limited key (a username, a client address) in a scope (``account``, ``address``,
    ``objection``): the attempts in its current window and the lock it may carry (issue 14; decided
    by one atomic upsert in :mod:`disburse.adapters.limits`)."""

    __tablename__ = "rate_limits"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class VoucherNumber(Base):
    """A voucher number (支付凭证号) taken by a disbursement in a county: one row per county and number,
    so two disbursements citing the same voucher cannot both commit, even at the same moment (issue 14).
    ``voucher_key`` is the number as compared (:func:`disburse.domain.payment_gates.voucher_key`)."""

    __tablename__ = "voucher_numbers"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    voucher_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)


class RuleSetVersion(Base):
    """The exact content of one version of a rule set, kept once a project is created under it, so the
    project's checks never change when the file is edited (issue 16: pinned rules)."""

    __tablename__ = "rule_set_versions"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule_set: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class PlanVersion(Base):
    """One version of a project's plan: the first as drafted and filed, then one per approved amendment."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    made_in_state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    amendment_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Amendment(Base):
    """A proposed change to a filed plan (方案调整), approved or rejected by the supervisor (issue 16)."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    base_version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class Allocation(Base):
    """Funds arrived for a project (资金下达/到位): a document, one of the plan's funding sources, an amount,
    the day they arrived (issue 16; seed 003 §5(1)4, seed 000 §2(5))."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    doc_no: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(255))
    amount: Mapped[Decimal] = mapped_column(Money)
    arrived_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)


class Call(Base):
    """A call for applications (项目申报通知, issue 20; seed 003 §5(1)1②, §5(2)2①): commerce opens one on
    budget lines of a filed project, with the money available, the eligibility conditions, a deadline and
    the materials asked for."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    total: Mapped[Decimal] = mapped_column(Money)
    #: the eligibility conditions the call states, one a line (seed 003 §5(2)1 by default)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline: Mapped[date] = mapped_column(Date)
    #: the materials an application brings (申报材料)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), index=True)
    #: a per-unit subsidy (issue 20 item 4; seed 001 §5(4)3 每单物流补贴): the unit (单), the yuan paid per unit,
    #: and the most one beneficiary is paid for one month (None: no monthly cap); all None for a lump-sum call
    unit_name: Mapped[str | None] = mapped_column(String(16))
    unit_rate: Mapped[Decimal | None] = mapped_column(Money)
    unit_cap: Mapped[Decimal | None] = mapped_column(Money)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)

    lines: Mapped[list["CallLine"]] = relationship(cascade="all, delete-orphan", order_by="CallLine.line_id")


class CallLine(Base):
    """A budget line a call spends."""

    __tablename__ = "call_lines"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), primary_key=True, index=True)


class Application(Base):
    """An enterprise's application for support on a call (issue 20; seed 003 §5(2)1–3): submitted, reviewed
    jointly with a site visit, re-checked by finance, publicised with the proposed subsidy, awarded."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(255))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    #: seed 003 §5(2)1: {"independent_legal_person": true, ...}
    declarations: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    amount_requested: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    proposed_subsidy: Mapped[Decimal | None] = mapped_column(Money)
    awarded: Mapped[Decimal | None] = mapped_column(Money)
    #: the joint review (seed 003 §5(2)3①): [{"name", "bureau", "no_conflict"}]
    panel: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    #: {"date": "2024-10-08", "note": "..."}
    site_visit: Mapped[dict[str, str] | None] = mapped_column(JSON)
    verdict: Mapped[str | None] = mapped_column(String(8))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rechecked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recheck_note: Mapped[str | None] = mapped_column(Text)
    #: the public notice (公示), for the rule set's period as an acceptance's
    notice_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_days: Mapped[int | None] = mapped_column(Integer)
    notice_working_days: Mapped[bool | None] = mapped_column(Boolean)
    notice_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_note: Mapped[str | None] = mapped_column(Text)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)

    documents: Mapped[list["ApplicationDocument"]] = relationship(cascade="all, delete-orphan",
                                                                  order_by="ApplicationDocument.document_id")
    #: its public notices (公示), the current one last (issue 20: objected to as an acceptance's)
    notices: Mapped[list["Notice"]] = relationship(order_by="Notice.id")


class ApplicationDocument(Base):
    """A document of the project an application brings as its materials (申报材料)."""

    __tablename__ = "application_documents"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True, index=True)


class VolumeReport(Base):
    """A beneficiary's volume for one month under a per-unit subsidy (issue 20 item 4; seed 001 §5(4)3: 按照先建后补
    政策，实现每单物流补贴): reported with its evidence by the enterprise (or commerce on its behalf), verified by
    another commerce user or rejected with a note. One report a month and application, rejected ones aside."""

    __tablename__ = "volume_reports"
    __table_args__ = (Index("ux_volume_reports_application_id_month", "application_id", "month", unique=True,
                            sqlite_where=text("state != 'rejected'"), postgresql_where=text("state != 'rejected'")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    #: 'YYYY-MM'
    month: Mapped[str] = mapped_column(String(7))
    volume: Mapped[int] = mapped_column(BigInteger)
    verified_volume: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verify_note: Mapped[str | None] = mapped_column(Text)
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=REAL.now)

    documents: Mapped[list["VolumeReportDocument"]] = relationship(cascade="all, delete-orphan",
                                                                   order_by="VolumeReportDocument.document_id")


class VolumeReportDocument(Base):
    """A document of the project a volume report brings as its evidence (orders' records, waybills)."""

    __tablename__ = "volume_report_documents"

    report_id: Mapped[int] = mapped_column(ForeignKey("volume_reports.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True, index=True)
