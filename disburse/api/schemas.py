"""Request and response schemas of the HTTP API (documented in the OpenAPI document)."""

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_dump, post_load, validate

from disburse.domain.money import format_wan
from disburse.schemas.contract import ContractIn, Declarations, PayeeIn
from disburse.schemas.delegation import OnBehalf
from disburse.schemas.events import PACKAGING, TENDER_METHODS, ProjectEvent, TargetActual
from disburse.schemas.fields import DateField, MoneyField, MonthField, When, YuanField

__all__ = ["PACKAGING", "TENDER_METHODS", "ContractIn", "Declarations", "PayeeIn", "ProjectEvent", "TargetActual"]


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Schema):
    token = fields.String(required=True)
    expires_at = fields.String(required=True)


#: the highest page number asked for (a larger one would overflow the database's OFFSET)
MAX_PAGE = 1_000_000


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class ProjectListArgs(PageArgs):
    state = fields.String(load_default=None)
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))


class Label(Schema):
    zh = fields.String()
    en = fields.String()


class RegionRef(Schema):
    code = fields.String()
    name = fields.String()


class Line(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    category = fields.String()
    item = fields.String()
    amount = MoneyField(dump_only=True, allow_none=True, metadata={"description": "yuan, exact"})
    tags = fields.List(fields.String())
    responsible = fields.List(fields.String())
    cooperating = fields.List(fields.String())
    deadline = When(allow_none=True)
    note = fields.String(allow_none=True)


class ProjectSummary(Schema):
    id = fields.Integer()
    name = fields.String()
    region = fields.Nested(RegionRef)
    rule_set = fields.String()
    state = fields.String()
    state_label = fields.Nested(Label)
    total = MoneyField(dump_only=True)
    total_wan = fields.Method("_total_wan", metadata={"description": "the total in 万元, as plans write it"})

    def _total_wan(self, project: Any) -> str:
        total = project["total"] if isinstance(project, dict) else project.total
        return format_wan(Decimal(total))


class PeriodOut(Schema):
    start = When(allow_none=True)
    end = When(allow_none=True)


class FundingOut(Schema):
    source = fields.String()
    amount = MoneyField(dump_only=True)
    note = fields.String(allow_none=True)
    predecessor = fields.Integer(allow_none=True)


class PhaseOut(Schema):
    name = fields.String()
    start = When(allow_none=True)
    end = When(allow_none=True)
    note = fields.String(allow_none=True)


class TargetOut(Schema):
    name = fields.String()
    unit = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    actual = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class TenderRoundOut(Schema):
    round = fields.Integer()
    method = fields.String()
    packaging = fields.String()
    announced_on = When()
    reference = fields.String(allow_none=True)
    outcome = fields.String()
    failed_note = fields.String(allow_none=True)


class TenderOut(Schema):
    rounds = fields.List(fields.Nested(TenderRoundOut))
    current = fields.Nested(TenderRoundOut, allow_none=True)


class ContractRefOut(Schema):
    id = fields.Integer()
    lot = fields.String()
    contractor_name = fields.String()
    amount = MoneyField(dump_only=True)


class EvaluationOut(Schema):
    result = fields.String()
    evaluator = fields.String()
    document_id = fields.Integer(allow_none=True)
    recorded_at = When()


class RecoverySummaryOut(Schema):
    ordered = MoneyField(dump_only=True)
    received = MoneyField(dump_only=True)
    outstanding = MoneyField(dump_only=True)


class ReceiptOut(Schema):
    id = fields.Integer()
    amount = MoneyField(dump_only=True)
    received_on = When()
    voucher_no = fields.String()
    recorded_by = fields.Integer(allow_none=True)
    created_at = When()


class RecoveryOut(Schema):
    """A recovery (资金收回, issue 17): what it demands, what came back, what is still owed."""

    id = fields.Integer()
    project_id = fields.Integer()
    contract_id = fields.Integer(allow_none=True)
    basis = fields.String()
    basis_label = fields.Nested(Label)
    amount = MoneyField(dump_only=True, metadata={"description": "ordered, yuan"})
    received = MoneyField(dump_only=True)
    outstanding = MoneyField(dump_only=True, metadata={"description": "ordered − received (0 unless ordered)"})
    reason = fields.String()
    document_id = fields.Integer(allow_none=True)
    state = fields.String()
    state_label = fields.Nested(Label, allow_none=True)
    project_state = fields.String(metadata={"description": "the project's state when the recovery was asked for"})
    after_closure = fields.Boolean()
    proposed_by = fields.Integer(allow_none=True)
    ordered_by = fields.Integer(allow_none=True)
    ordered_at = When(allow_none=True)
    note = fields.String(allow_none=True)
    receipts = fields.List(fields.Nested(ReceiptOut))
    allowed_events = fields.List(fields.String())
    created_at = When()
    updated_at = When()


class ProjectOut(ProjectSummary):
    doc_no = fields.String(allow_none=True)
    previous_state = fields.String(allow_none=True)
    lines_total = MoneyField(dump_only=True)
    contracted = MoneyField(dump_only=True)
    disbursed = MoneyField(dump_only=True)
    in_flight = MoneyField(dump_only=True)
    recovered = MoneyField(dump_only=True)
    surplus = MoneyField(dump_only=True, allow_none=True,
                         metadata={"description": "total − contracted (not shown to contractors)"})
    period = fields.Nested(PeriodOut)
    funding = fields.List(fields.Nested(FundingOut))
    phases = fields.List(fields.Nested(PhaseOut))
    subtotals = fields.Dict(keys=fields.String(), values=fields.String())
    lines = fields.List(fields.Nested(Line))
    targets = fields.List(fields.Nested(TargetOut))
    tender = fields.Nested(TenderOut)
    contracts = fields.List(fields.Nested(ContractRefOut))
    evaluation = fields.Nested(EvaluationOut, allow_none=True)
    outstanding = MoneyField(dump_only=True, attribute="recovery.outstanding",
                             metadata={"description": "ordered back and not yet received (issue 17)"})
    recovery = fields.Nested(RecoverySummaryOut)
    recoveries = fields.List(fields.Nested(RecoveryOut))
    allowed_events = fields.List(fields.String())
    created_at = When()
    updated_at = When()
    plan_version = fields.Integer(metadata={"description": "the plan version shown (in force unless ?version=)"})
    rule_version = fields.Integer(allow_none=True, metadata={"description": "the rule set version it is held to"})
    funds = fields.Nested(lambda: FundsOut(), allow_none=True)


def page_of(item: type[Schema]) -> type[Schema]:
    """A page of ``item``: ``{"items", "page", "per_page", "total"}``."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item)), "page": fields.Integer(),
         "per_page": fields.Integer(), "total": fields.Integer()},
        name=f"{item.__name__}Page",
    )


ProjectPage = page_of(ProjectSummary)


class UnmetOut(Schema):
    code = fields.String()
    message = fields.String()
    message_zh = fields.String()
    message_en = fields.String()
    clause = fields.String()


class PlanCheck(Schema):
    code = fields.String(metadata={"description": "the check: amounts, tags, lines_sum, funding_sum, subtotals, "
                                                  "counted_once, or prohibited:/caps:/floors: and the rule's tag"})
    passed = fields.Boolean()
    label = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    clause = fields.String()
    unmet = fields.List(fields.Nested(UnmetOut))


class PlanCheckOut(Schema):
    ok = fields.Boolean(metadata={"description": "every check passed: ``file`` would accept the plan"})
    filing_clause = fields.String(metadata={"description": "what the checks without a clause of their own rest on"})
    checks = fields.List(fields.Nested(PlanCheck), metadata={"description": "the failed checks first"})


class EventExplanation(Schema):
    event = fields.String()
    label = fields.Nested(Label)
    allowed = fields.Boolean()
    unmet = fields.List(fields.Nested(UnmetOut))
    requires = fields.List(fields.String())
    roles = fields.List(fields.String())
    clause = fields.String()
    confirm = fields.Nested(Label, allow_none=True, metadata={
        "description": "an irreversible event: what a client asks the user before firing it"})


class AuditEntryOut(Schema):
    seq = fields.Integer()
    at = fields.String()
    actor = fields.Dict()
    on_behalf_of = fields.Dict(allow_none=True, metadata={
        "description": "under a delegation (代理): the principal the actor acted for — id, username, role"})
    action = fields.String()
    entity_type = fields.String(allow_none=True)
    entity_id = fields.String(allow_none=True)
    project_id = fields.Integer(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    data = fields.Dict()
    note = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    client_addr = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


AuditPage = page_of(AuditEntryOut)


class AuditVerifyOut(Schema):
    """The whole check of the log (SPEC §8): its hash chain and its signed checkpoints (docs/audit-proofs.md §8)."""

    ok = fields.Boolean()
    entries = fields.Integer(metadata={"description": "entries verified (before the first broken one)"})
    head = fields.String(allow_none=True)
    first_broken = fields.Integer(allow_none=True, metadata={
        "description": "the first entry that breaks the chain or differs from a checkpoint; null when ok, or "
                       "when a checkpoint itself is not valid"})
    first_broken_upto = fields.Integer(allow_none=True, metadata={
        "description": "when the evidence bounds the first differing entry only to a range: its last entry"})
    reason = fields.String(allow_none=True)
    checkpoints_checked = fields.Integer(metadata={"description": "signed checkpoints whose signature was verified"})
    covered = fields.Integer(metadata={"description": "entries proven by the largest checkpoint that holds"})
    checkpoint = fields.Integer(allow_none=True, metadata={
        "description": "the size of the checkpoint the failure is against (its signature, or its root)"})


class AuditDigestOut(Schema):
    entries = fields.Integer()
    head = fields.String(allow_none=True)
    at = fields.String(allow_none=True)


class CheckpointOut(Schema):
    """A signed tree head of the audit log (issue 8; docs/audit-proofs.md)."""

    size = fields.Integer()
    root = fields.String()
    root_b64 = fields.String()
    origin = fields.String()
    key_id = fields.String()
    signed_at = fields.String()
    note = fields.String()


class CheckpointPage(page_of(CheckpointOut)):  # type: ignore[misc]
    public_key = fields.List(fields.String(), metadata={"description": "the verifier keys, earlier ones first"})


class CheckpointArgs(Schema):
    page = fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE))


class InclusionArgs(Schema):
    size = fields.Integer(validate=validate.Range(min=1),
                          metadata={"description": "the tree size (default: the latest checkpoint's)"})


class InclusionProofOut(Schema):
    seq = fields.Integer()
    leaf_index = fields.Integer()
    size = fields.Integer()
    leaf_hash = fields.String()
    proof = fields.List(fields.String())
    root = fields.String()
    checkpoint = fields.String(allow_none=True)


class ConsistencyArgs(Schema):
    from_ = fields.Integer(data_key="from", attribute="from", required=True, validate=validate.Range(min=1))
    to = fields.Integer(required=True, validate=validate.Range(min=1))


class ConsistencyProofOut(Schema):
    from_ = fields.Integer(data_key="from", attribute="from")
    to = fields.Integer()
    proof = fields.List(fields.String())
    root_from = fields.String()
    root_to = fields.String()


class MeOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    region = fields.String()
    contractor = fields.String(allow_none=True)
    on_behalf_of = fields.String(allow_none=True, metadata={
        "description": "with On-Behalf-Of under a delegation in force: the principal whose role and region these are"})


class Problem(Schema):
    """``application/problem+json`` (RFC 9457) as every error of the API is answered."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    unmet = fields.List(fields.Nested(UnmetOut))
    request_id = fields.String()


# --- contracts (SPEC §11.1) ------------------------------------------------------------------


class ContractorOut(Schema):
    id = fields.Integer()
    name = fields.String()
    credit_code = fields.String()
    region = fields.String(allow_none=True)
    declarations = fields.Dict()
    declaration_documents = fields.Dict()
    eligible = fields.Boolean()
    unmet = fields.List(fields.Nested(UnmetOut))


class Ledger(Schema):
    contracted = fields.String()
    recovered = fields.String()
    requested = fields.String()
    in_flight = fields.String()
    approved = fields.String()
    disbursed = fields.String()
    remaining = fields.String()


class PayeeOut(Schema):
    """Who is paid and where (issue 17): the contractor's name, its bank (开户银行) and account (账号)."""

    name = fields.String()
    bank = fields.String(allow_none=True)
    account = fields.String(allow_none=True)


class ContractOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    lot = fields.String()
    contractor = fields.Nested(ContractorOut)
    amount = fields.String()
    signed_on = fields.String()
    line_ids = fields.List(fields.Integer())
    schedule = fields.Dict()
    payee = fields.Nested(PayeeOut)
    payment_due_days = fields.Integer(allow_none=True)
    ledger = fields.Nested(Ledger)
    created_at = fields.String()


ContractPage = page_of(ContractOut)


# --- acceptances (SPEC §5.2, §11.1) ----------------------------------------------------------


class AcceptanceIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["stage", "final"]))
    stage = fields.Integer(load_default=None, allow_none=True, strict=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    document_ids = fields.List(fields.Integer(strict=True), load_default=list)
    line_ids = fields.List(fields.Integer(strict=True), load_default=None, allow_none=True,
                           validate=validate.Length(max=500),
                           metadata={"description": "a stage acceptance: the budget lines delivered in that stage "
                                                    "(default: every line of the contract not yet accepted); a final "
                                                    "acceptance names none"})


class VerdictIn(Schema):
    line_id = fields.Integer(required=True, strict=True)
    result = fields.String(required=True, validate=validate.OneOf(["pass", "fail"]))
    accepted_amount = YuanField(required=True)
    note = fields.String(load_default=None, allow_none=True)


class AcceptanceEvent(OnBehalf):
    event = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    verdicts = fields.List(fields.Nested(VerdictIn), load_default=None)
    objection_id = fields.Integer(load_default=None, strict=True)
    decision = fields.String(load_default=None, validate=validate.OneOf(["dismiss", "uphold"]))
    deadline = DateField(load_default=None)
    document_id = fields.Integer(load_default=None, strict=True,
                                 metadata={"description": "finance_recheck: a document of the project (复核意见)"})
    vote = fields.String(load_default=None, validate=validate.OneOf(["approve", "reject"]),
                         metadata={"description": "vote: a leading-group member's approve or reject (会签, issue 21)"})
    opinion = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000),
                            metadata={"description": "vote: the member's opinion"})
    reason = fields.String(load_default=None, validate=validate.Length(min=1, max=4000),
                           metadata={"description": "recuse: why the member takes no part (e.g. connected to the "
                                                    "contractor or applicant)"})


class NoticeOut(Schema):
    id = fields.Integer()
    published_at = When()
    ends_at = When()
    ends_on = When()
    days = fields.Integer()
    working_days = fields.Boolean()
    closed_at = When(allow_none=True)


class ObjectionOut(Schema):
    """An objection; ``name`` and ``contact`` only for the bureau's readers (a contractor reads without them)."""

    id = fields.Integer()
    name = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    content = fields.String()
    created_at = When()
    decision = fields.String(allow_none=True)
    note = fields.String(allow_none=True)

    @post_dump
    def _unnamed(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return data if data.get("contact") is not None else {k: v for k, v in data.items()
                                                              if k not in ("name", "contact")}


class VerdictOut(Schema):
    line_id = fields.Integer()
    result = fields.String()
    accepted_amount = MoneyField(dump_only=True)
    note = fields.String(allow_none=True)


class DocumentRefOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()


class ScopeLineOut(Schema):
    """A budget line an acceptance covers: its amount under the contract and what is accepted of it."""

    line_id = fields.Integer()
    label = fields.String()
    amount = MoneyField(dump_only=True)
    accepted_elsewhere = MoneyField(dump_only=True)


class RecheckOut(Schema):
    by = fields.Integer()
    at = When()
    note = fields.String(allow_none=True)
    document_id = fields.Integer(allow_none=True)


class AcceptanceOut(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    project_id = fields.Integer()
    kind = fields.String()
    stage = fields.Integer(allow_none=True)
    state = fields.String()
    state_label = fields.Nested(Label)
    note = fields.String(allow_none=True)
    attempt = fields.Integer()
    verdicts = fields.List(fields.Nested(VerdictOut))
    accepted_total = MoneyField(dump_only=True)
    verdict_by = fields.Integer(allow_none=True)
    approved_by = fields.Integer(allow_none=True)
    notice = fields.Nested(NoticeOut, allow_none=True)
    objections = fields.List(fields.Nested(ObjectionOut))
    rectify_deadline = When(allow_none=True)
    documents = fields.List(fields.Nested(DocumentRefOut))
    lines = fields.List(fields.Nested(ScopeLineOut),
                        metadata={"description": "the budget lines this acceptance covers (issue 17)"})
    recheck = fields.Nested(RecheckOut, allow_none=True,
                            metadata={"description": "the finance bureau's re-check (财政复核), once made"})
    votes = fields.List(fields.Nested(lambda: VoteOut()), metadata={
        "description": "the leading group's votes and recusals on every attempt, in the order cast (会签, issue 21)"})
    allowed_events = fields.List(fields.String())
    created_at = When()
    updated_at = When()


class VoteOut(Schema):
    user_id = fields.Integer()
    username = fields.String()
    vote = fields.String(metadata={"description": "approve | reject | recuse"})
    opinion = fields.String(allow_none=True, metadata={"description": "the opinion, or the reason for recusal"})
    attempt = fields.Integer()
    at = When()
    cast_by = fields.String(allow_none=True, metadata={"description": "the deputy who cast the member's vote "
                                                                     "under a delegation (代理)"})


AcceptancePage = page_of(AcceptanceOut)


# --- documents and the public ----------------------------------------------------------------


class DocumentForm(Schema):
    project_id = fields.Integer(required=True)
    contract_id = fields.Integer(load_default=None)
    kind = fields.String(load_default="other")


class DocumentOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    contract_id = fields.Integer(allow_none=True)
    acceptance_id = fields.Integer(allow_none=True)
    kind = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.String()


class ObjectionCreated(Schema):
    id = fields.Integer()
    notice_id = fields.Integer()
    received_at = fields.String()


# --- payments (SPEC §5.3, §11.1) -------------------------------------------------------------


#: at most this many documents on one payment request
DOCUMENTS_MAX = 50


class PaymentIn(OnBehalf):
    kind = fields.String(required=True, validate=validate.OneOf(["advance", "stage", "final", "subsidy"]))
    amount = YuanField(required=True)
    acceptance_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    document_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)), load_default=list,
                               validate=validate.Length(max=DOCUMENTS_MAX), metadata={
                                   "description": "documents of the project the request carries: the invoice "
                                                  "(发票), the acceptance report (验收报告), the application (申请)"})


class PaymentEvent(OnBehalf):
    """A payment step. ``disburse`` takes ``voucher_no``, its date as ``paid_on`` (or ``disbursed_on``, the
    same field under its SPEC §11.1 name) and optionally the bank's ``bank_reference`` (issue 18 item 4)."""

    event = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    voucher_no = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    bank_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    paid_on = DateField(load_default=None)
    disbursed_on = DateField(load_default=None)

    @post_load
    def one_date(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """``paid_on`` and ``disbursed_on`` name the one date money left; given both, they agree."""
        paid_on = data.pop("paid_on", None)
        if paid_on is not None and data.get("disbursed_on") not in (None, paid_on):
            raise ValidationError({"paid_on": ["differs from disbursed_on (与 disbursed_on 不一致)"]})
        if paid_on is not None:
            data["disbursed_on"] = paid_on
        return data


class PaymentOut(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    project_id = fields.Integer()
    kind = fields.String()
    amount = MoneyField(dump_only=True)
    acceptance_id = fields.Integer(allow_none=True)
    state = fields.String()
    state_label = fields.Nested(Label)
    note = fields.String(allow_none=True)
    requested_by = fields.Integer(allow_none=True)
    verified_by = fields.Integer(allow_none=True)
    approved_by = fields.Integer(allow_none=True)
    disbursed_by = fields.Integer(allow_none=True)
    voucher_no = fields.String(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    disbursed_on = When(allow_none=True)
    paid_on = When(allow_none=True, dump_only=True)
    document_ids = fields.List(fields.Integer())
    allowed_events = fields.List(fields.String())
    created_at = When()
    updated_at = When()
    payee = fields.Nested(PayeeOut, allow_none=True)
    due_days = fields.Integer(allow_none=True)
    due_on = When(allow_none=True)
    overdue_days = fields.Integer()
    volume_report_id = fields.Integer(allow_none=True, metadata={
        "description": "a per-unit subsidy: the verified monthly volume report it pays"})
    on_behalf_of = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "under a delegation (代理): the principal's user id each step was done for, by step "
                       "(request, verify, approve, disburse, reject); the *_by fields name who did it"})


PaymentPage = page_of(PaymentOut)


class LedgerRow(Ledger):
    contract_id = fields.Integer()
    lot = fields.String()


class ProjectLedger(Schema):
    project_id = fields.Integer()
    total = fields.String()
    contracts = fields.List(fields.Nested(LedgerRow))
    totals = fields.Dict(keys=fields.String(), values=fields.String())
    recoveries = fields.Nested(lambda: RecoverySummaryOut(),
                               metadata={"description": "the project's recoveries: ordered, received, outstanding"})


class QueueItem(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    project_name = fields.String()
    contract_id = fields.Integer()
    lot = fields.String()
    kind = fields.String()
    amount = fields.String()
    amount_wan = fields.String()
    state = fields.String()
    waiting_since = fields.String()
    payee = fields.Nested(PayeeOut)
    due_on = fields.String(allow_none=True)
    overdue_days = fields.Integer()


QueuePage = page_of(QueueItem)


class ReportIn(Schema):
    """``POST /projects/{id}/reports``: a monthly progress report (seed 004 §8(1)3)."""

    month = MonthField(required=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=20_000))


class ReportOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    month = fields.String()
    text = fields.String()
    submitted_by = fields.String(allow_none=True)
    submitted_at = fields.String()
    due = fields.String()
    late = fields.Boolean()


ReportPage = page_of(ReportOut)


class LateArgs(Schema):
    month = MonthField(load_default=None)


class ReportStatus(Schema):
    project_id = fields.Integer()
    name = fields.String()
    state = fields.String()
    region = fields.Nested(RegionRef)
    month = fields.String()
    due = fields.String()
    status = fields.String(metadata={"description": "submitted, submitted_late, pending or late"})
    report_id = fields.Integer(allow_none=True)
    days_late = fields.Integer()


class LateReports(page_of(ReportStatus)):  # type: ignore[misc]
    month = fields.String()
    late = fields.Integer()


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    level = fields.String(metadata={"description": "reminder, overdue or escalation"})
    project_id = fields.Integer(allow_none=True)
    subject = fields.String()
    body = fields.String()
    subject_zh = fields.String()
    subject_en = fields.String()
    link = fields.String(allow_none=True)
    created_at = fields.String()
    read = fields.Boolean()
    read_at = fields.String(allow_none=True)


class NotificationPage(page_of(NotificationOut)):  # type: ignore[misc]
    unread = fields.Integer()


class MarkedRead(Schema):
    marked = fields.Integer()


# --- public disclosure (SPEC §9), no login -----------------------------------------------------


class PublicProjectArgs(PageArgs):
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"),
                           metadata={"description": "a region code: projects inside its subtree"})


class PublicLabel(Schema):
    zh = fields.String()
    en = fields.String()


class PublicPeriod(Schema):
    start = fields.String(allow_none=True)
    end = fields.String(allow_none=True)


class PublicCounty(Schema):
    code = fields.String()
    name = fields.String()


class PublicRegion(PublicCounty):
    level = fields.String(metadata={"description": "province, prefecture or county"})


class PublicProjectSummary(Schema):
    id = fields.Integer()
    name = fields.String()
    doc_no = fields.String(allow_none=True)
    county = fields.Nested(PublicCounty)
    state = fields.String()
    state_label = fields.Nested(PublicLabel, allow_none=True)
    period = fields.Nested(PublicPeriod)
    total = fields.String()
    total_wan = fields.String()
    rule_set = fields.Nested(lambda: PublicRuleSet())


PublicProjectPage = page_of(PublicProjectSummary)


class PublicFunding(Schema):
    source = fields.String()
    amount = fields.String()


class PublicLine(Schema):
    category = fields.String()
    item = fields.String()
    amount = fields.String(allow_none=True)
    tags = fields.List(fields.String())


class PublicRuleSet(Schema):
    id = fields.String()
    title = fields.Nested(PublicLabel)


class PublicContract(Schema):
    lot = fields.String()
    contractor = fields.String(metadata={"description": "the contractor's name"})
    amount = fields.String()
    signed_on = fields.String()


class PublicPayment(Schema):
    lot = fields.String()
    kind = fields.String(metadata={"description": "advance, stage or final"})
    amount = fields.String()
    disbursed_on = fields.String(allow_none=True)


class PublicAcceptance(Schema):
    lot = fields.String()
    kind = fields.String()
    stage = fields.Integer(allow_none=True)
    state = fields.String()
    state_label = fields.Nested(PublicLabel, allow_none=True)
    approved_on = fields.String(allow_none=True)


class PublicNotice(Schema):
    id = fields.Integer()
    published_at = fields.String()
    ends_at = fields.String()
    ends_on = fields.String(metadata={"description": "the last day of the notice (Asia/Shanghai)"})
    lot = fields.String()
    kind = fields.String()
    stage = fields.Integer(allow_none=True)


class PublicNoticeProject(Schema):
    id = fields.Integer()
    name = fields.String()
    county = fields.Nested(PublicCounty)


class PublicOpenNotice(PublicNotice):
    """A notice running now, as the public landing page lists it."""

    project = fields.Nested(PublicNoticeProject)
    contractor = fields.String(metadata={"description": "the contractor's name"})
    accepted_total = fields.String(metadata={"description": "what the acceptance accepted, 元"})
    accepted_total_wan = fields.String()


class PublicNoticeContract(Schema):
    lot = fields.String()
    contractor = fields.String(metadata={"description": "the contractor's name"})
    amount = fields.String()
    amount_wan = fields.String()


class PublicNoticeAcceptance(Schema):
    kind = fields.String()
    stage = fields.Integer(allow_none=True)
    state = fields.String()
    state_label = fields.Nested(PublicLabel, allow_none=True)


class PublicNoticeLine(Schema):
    ref = fields.String(allow_none=True)
    category = fields.String()
    item = fields.String()
    budget = fields.String(allow_none=True)
    result = fields.String(metadata={"description": "pass (合格) or fail (不合格)"})
    result_label = fields.Nested(PublicLabel, allow_none=True)
    accepted = fields.String(metadata={"description": "the amount accepted, 元"})
    accepted_wan = fields.String()


class PublicProposedPayment(Schema):
    amount = fields.String(metadata={"description": "the proposed payment (拟补助资金), 元"})
    amount_wan = fields.String()
    basis = fields.Nested(PublicLabel, metadata={"description": "how the amount is reckoned"})
    clause = fields.Nested(PublicLabel)


class PublicContact(Schema):
    zh = fields.String()
    en = fields.String()
    phone = fields.String()


class PublicNoticeOut(Schema):
    """One public notice: of an acceptance result (docs/decisions.md, issue 18) — ``contract``, ``acceptance``,
    ``lines``, ``accepted_total``, ``proposed_payment`` — or of an application's proposed subsidy (issue 20) —
    ``call``, ``application``; ``kind`` says which."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": "acceptance | application"})
    call = fields.Nested(Schema.from_dict({"id": fields.Integer(), "title": fields.String(),
                                           "total": fields.String(), "total_wan": fields.String(),
                                           "lines": fields.List(fields.Nested(lambda: PublicCallLine()))},
                                          name="PublicNoticeOfCall"))
    application = fields.Nested(Schema.from_dict({
        "applicant": fields.String(), "credit_code": fields.String(), "proposed_subsidy": fields.String(),
        "proposed_subsidy_wan": fields.String(), "state": fields.String(),
        "state_label": fields.Nested(PublicLabel, allow_none=True),
        "panel": fields.List(fields.Nested(lambda: PublicPanelMember()))}, name="PublicNoticeOfApplication"))
    clause = fields.Nested(PublicLabel)
    published_at = fields.String()
    ends_at = fields.String()
    ends_on = fields.String(metadata={"description": "the last day of the notice (Asia/Shanghai)"})
    open = fields.Boolean(metadata={"description": "objections are taken"})
    project = fields.Nested(Schema.from_dict({"id": fields.Integer(), "name": fields.String(),
                                               "county": fields.String()}, name="PublicNoticeOfProject"))
    contract = fields.Nested(PublicNoticeContract)
    acceptance = fields.Nested(PublicNoticeAcceptance)
    lines = fields.List(fields.Nested(PublicNoticeLine))
    accepted_total = fields.String()
    accepted_total_wan = fields.String()
    proposed_payment = fields.Nested(PublicProposedPayment)
    supervision = fields.Nested(PublicContact)


PublicOpenNotices = page_of(PublicOpenNotice)


class PublicCheckpoint(Schema):
    size = fields.Integer(metadata={"description": "entries covered: the tree size"})
    root = fields.String(metadata={"description": "the Merkle tree hash at that size, hex (RFC 9162 §2.1)"})
    root_b64 = fields.String(metadata={"description": "the same root, standard base64 as in the note"})
    signed_at = fields.String()
    note = fields.String(metadata={"description": "the C2SP signed note (tlog-checkpoint), as published"})


class PublicAuditHead(Schema):
    entries = fields.Integer()
    head = fields.String(allow_none=True)
    at = fields.String(allow_none=True)
    checkpoint = fields.Nested(PublicCheckpoint, allow_none=True,
                               metadata={"description": "the latest signed checkpoint; null before the first"})


class PublicPlan(Schema):
    version = fields.Integer()
    adjusted_on = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class PublicRecovery(Schema):
    """A recovery ordered (issue 17): disclosed once ordered, also after the project closed."""

    lot = fields.String(allow_none=True, metadata={"description": "the contract's lot, or none for the project"})
    basis = fields.String()
    basis_label = fields.Nested(PublicLabel)
    amount = fields.String()
    received = fields.String()
    outstanding = fields.String()
    state = fields.String()
    state_label = fields.Nested(PublicLabel, allow_none=True)
    ordered_on = fields.String(allow_none=True)
    after_closure = fields.Boolean()


class PublicProjectOut(PublicProjectSummary):
    regions = fields.List(fields.Nested(PublicRegion))
    funding = fields.List(fields.Nested(PublicFunding))
    lines = fields.List(fields.Nested(PublicLine))
    lines_total = fields.String()
    tag_labels = fields.Dict(keys=fields.String(), values=fields.Nested(PublicLabel))
    contracts = fields.List(fields.Nested(PublicContract))
    contracted = fields.String()
    payments = fields.List(fields.Nested(PublicPayment))
    disbursed = fields.String()
    acceptances = fields.List(fields.Nested(PublicAcceptance))
    notices = fields.List(fields.Nested(PublicNotice), metadata={"description": "open for objections"})
    recoveries = fields.List(fields.Nested(PublicRecovery),
                             metadata={"description": "recoveries ordered, with what came back (issue 17)"})
    calls = fields.List(fields.Nested(lambda: PublicCall()),
                        metadata={"description": "calls for applications with their notices, awards and "
                                                 "subsidies paid (issue 20)"})
    supervision = fields.Nested(PublicContact)
    audit = fields.Nested(PublicAuditHead)
    plan = fields.Nested(PublicPlan, metadata={"description": "the plan version in force; adjusted_on when an "
                                                               "approved amendment made it"})


# --- plans that live: versions, amendments, funds arrived (issue 16) ----------------------------------


class VersionArgs(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1_000_000))


class VersionOut(Schema):
    number = fields.Integer()
    in_force = fields.Boolean()
    made_in_state = fields.String()
    made_in_state_label = fields.Nested(Label, allow_none=True)
    reason = fields.String(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_at = When()
    approved_by = fields.Integer(allow_none=True)
    approved_at = When(allow_none=True)
    amendment_id = fields.Integer(allow_none=True)
    changes = fields.List(fields.Dict())
    summary = fields.Nested(Label)


class AmendmentOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    state = fields.String()
    state_label = fields.Nested(Label, allow_none=True)
    reason = fields.String()
    base_version = fields.Integer()
    plan = fields.Dict()
    changes = fields.List(fields.Dict())
    summary = fields.Nested(Label)
    proposed_by = fields.Integer(allow_none=True)
    decided_by = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    allowed_events = fields.List(fields.String())
    created_at = When()
    updated_at = When()


class AllocationOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    doc_no = fields.String()
    source = fields.String()
    amount = MoneyField(dump_only=True)
    arrived_on = When()
    recorded_by = fields.Integer(allow_none=True)
    recorded_at = When()


class SourceFundsOut(Schema):
    source = fields.String()
    planned = MoneyField(dump_only=True)
    arrived = MoneyField(dump_only=True)
    to_come = MoneyField(dump_only=True)


class FundsOut(Schema):
    sources = fields.List(fields.Nested(SourceFundsOut))
    allocations = fields.List(fields.Nested(AllocationOut))
    planned = MoneyField(dump_only=True)
    arrived = MoneyField(dump_only=True)


class UserRegion(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()


class UserOut(Schema):
    """A user as an administrator reads it (issue 18): never its password hash."""

    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    region = fields.Nested(UserRegion)
    contractor = fields.String(allow_none=True, metadata={"description": "a contractor user's credit code"})
    contractor_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = When()


class UserAdministered(UserOut):
    """A user just created or acted on: a temporary password made for it is given here, once."""

    temporary_password = fields.String(allow_none=True, metadata={
        "description": "the password to hand to the user; shown only in this answer"})


UserPage = page_of(UserOut)


# --- public calls for applications (issue 20) -------------------------------------------------------


class PublicCallLine(Schema):
    """A budget line a call spends, with the units responsible for it and its deadline as the plan gives them."""

    ref = fields.String(allow_none=True)
    category = fields.String()
    item = fields.String()
    amount = fields.String(allow_none=True)
    responsible = fields.List(fields.String(), metadata={"description": "责任单位"})
    cooperating = fields.List(fields.String(), metadata={"description": "配合单位"})
    deadline = fields.String(allow_none=True)


class PublicPanelMember(Schema):
    name = fields.String()
    bureau = fields.String()


class PublicCallNotice(Schema):
    """An application in public notice with its proposed subsidy (拟补助资金)."""

    application_id = fields.Integer()
    applicant = fields.String()
    credit_code = fields.String(metadata={"description": "统一社会信用代码"})
    proposed_subsidy = fields.String(metadata={"description": "元"})
    proposed_subsidy_wan = fields.String()
    notice_id = fields.Integer(allow_none=True, metadata={"description": "objections: /public/notices/{id}"})
    published_at = fields.String(allow_none=True)
    ends_at = fields.String(allow_none=True)
    ends_on = fields.String(allow_none=True)
    open = fields.Boolean(metadata={"description": "objections are taken"})
    panel = fields.List(fields.Nested(PublicPanelMember))


class PublicCallAward(Schema):
    application_id = fields.Integer()
    applicant = fields.String()
    credit_code = fields.String()
    awarded = fields.String(metadata={"description": "元"})
    awarded_wan = fields.String()
    awarded_on = fields.String(allow_none=True)


class PublicCallPayment(Schema):
    application_id = fields.Integer()
    applicant = fields.String()
    credit_code = fields.String()
    kind = fields.String()
    amount = fields.String(metadata={"description": "元"})
    amount_wan = fields.String()
    disbursed_on = fields.String(allow_none=True)


class PublicCallRecipient(Schema):
    """An applicant publicised or awarded, with its proposed or awarded subsidy."""

    application_id = fields.Integer()
    applicant = fields.String()
    credit_code = fields.String()
    proposed_subsidy = fields.String(allow_none=True)
    awarded = fields.String(allow_none=True)
    state = fields.String()
    notice_ends_at = fields.String(allow_none=True)


class PublicCall(Schema):
    """A call for applications as the public reads it (docs/decisions.md, issue 20 — public disclosure)."""

    id = fields.Integer()
    project = fields.Nested(PublicNoticeProject)
    title = fields.String()
    state = fields.String(metadata={"description": "open | closed (after its deadline)"})
    deadline = fields.String()
    total = fields.String(metadata={"description": "the money available, 元"})
    total_wan = fields.String()
    awarded = fields.String()
    awarded_wan = fields.String()
    available = fields.String(metadata={"description": "what the call has not awarded yet, 元"})
    available_wan = fields.String()
    paid = fields.String()
    paid_wan = fields.String()
    lines = fields.List(fields.Nested(PublicCallLine))
    conditions = fields.List(fields.String())
    materials = fields.List(fields.String())
    unit_rate = fields.Nested(Schema.from_dict({"unit": fields.String(), "rate": fields.String(),
                                                "cap": fields.String(allow_none=True)}, name="PublicCallUnitRate"),
                              allow_none=True, metadata={"description": "a per-unit subsidy: yuan per unit and the "
                                                                        "monthly cap; null for a lump sum"})
    notices = fields.List(fields.Nested(PublicCallNotice))
    awards = fields.List(fields.Nested(PublicCallAward))
    payments = fields.List(fields.Nested(PublicCallPayment))
    recipients = fields.List(fields.Nested(PublicCallRecipient))
    clause = fields.Nested(PublicLabel)


class PublicCallOut(PublicCall):
    """One call, with whom to tell of wrongdoing."""

    supervision = fields.Nested(PublicContact)
