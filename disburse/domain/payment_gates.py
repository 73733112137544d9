"""The gates money passes (SPEC §5.3), one small function each.

Seed 001 §6(2)2: 项目启动后，根据实际情况可预拨部分资金；经阶段审核验收后拨付阶段建设资金；
全部项目完成审核验收合格后，拨付其余全部资金. Seed 004 §5(5)3: only after a notice without
objections and the leading group's approval. Every gate is checked when the payment is requested
and again at every later step, on facts gathered under a lock on the project and the contract.
The disbursement's own data (its voucher number and date) is checked by the ``checks`` of the
``disburse`` step (issue 14).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from disburse.domain import labels
from disburse.domain.citations import BURQIN, QUJING, SYSTEM_RULE, XX_COUNTY, cite, cites
from disburse.domain.money import amount_en, amount_zh, share_text
from disburse.domain.states import HALTED, IN_FLIGHT, AcceptanceState, PaymentState, ProjectState
from disburse.domain.unmet import Unmet
from disburse.domain.volume_guards import VolumeRef

FEN = Decimal("0.01")
ADVANCE_STATES = (ProjectState.CONTRACTOR_SELECTED, ProjectState.STAGED_ACCEPTANCE)
LATER_STATES = (ProjectState.STAGED_ACCEPTANCE, ProjectState.FINAL_AUDIT)
#: A subsidy is paid once its application's work is accepted, whatever stage the project's procured contracts
#: are at (issue 20; seed 003 §5(2)3③): from the filed plan to the final audit.
SUBSIDY_STATES = (ProjectState.FILED, ProjectState.TENDERED, ProjectState.CONTRACTOR_SELECTED,
                  ProjectState.STAGED_ACCEPTANCE, ProjectState.FINAL_AUDIT)
#: 项目合格验收后，由县财政局按照程序和要求拨付资金 (seed 003 §5(2)3③).
SUBSIDY_CLAUSE = cite(XX_COUNTY, "五(二)3③")
GATE_CLAUSE = cite(BURQIN, "六(二)2")
#: No official document of the seeds numbers vouchers; one number per disbursement is sound treasury practice.
VOUCHER_CLAUSE = ("财政国库支付惯例：一张支付凭证对应一笔拨付（无具体文件条款） / "
                  "sound treasury practice: one voucher number, one disbursement (no document clause)")
#: Where a payment goes; no seed document speaks of accounts.
PAYEE_CLAUSE = ("财政国库支付惯例：款项支付至收款人（合同承办企业）登记的银行账户 / "
                "treasury practice: money is paid to the account recorded for the payee, the contract's contractor")
#: Full-width ASCII (！ to ～) to ASCII, the ideographic space to a space, small ASCII letters to capitals.
_VOUCHER_FORMS = str.maketrans({chr(c): chr(c).upper() for c in range(ord("a"), ord("z") + 1)}
                               | {chr(c + 0xFEE0): chr(c).upper() for c in range(0x21, 0x7F)} | {"\u3000": " "})


@dataclass(frozen=True)
class OtherPayment:
    id: int
    kind: str
    amount: Decimal
    state: str
    acceptance_id: int | None


@dataclass(frozen=True)
class AcceptanceRef:
    id: int
    contract_id: int
    kind: str
    stage: int | None
    state: str
    accepted_total: Decimal
    verdict_by: int | None


@dataclass(frozen=True)
class PaymentFacts:
    """One payment (requested or about to be) and everything its gates look at."""

    kind: str
    amount: Decimal
    contract_id: int
    contract_amount: Decimal
    advance_share: Decimal
    stage_shares: tuple[Decimal, ...]
    advance_cap: Decimal
    advance_clause: str
    project_state: str
    project_total: Decimal
    contracts_total: Decimal
    #: the other payments on the same contract (not this one)
    others: tuple[OtherPayment, ...] = ()
    acceptance: AcceptanceRef | None = None
    final_acceptance_approved: bool = False
    #: once the contract's final acceptance is approved: what its approved acceptances accepted in all
    #: (issue 17: disbursed and in flight stay within it, advances included)
    accepted_approved: Decimal | None = None
    payment_id: int | None = None
    actor_id: int | None = None
    #: whom this step counts as: the person acting and, under a delegation, the principal (issue 21 item 2)
    actor_ids: frozenset[int] = frozenset()
    #: who did each earlier step of this payment, with the principal it was done for under a delegation:
    #: {"request": {3}, "verify": {5, 8}}
    steps: dict[str, frozenset[int]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    #: for a disbursement: today and the day the payment was approved (Asia/Shanghai, the app's clock),
    #: and the other payment of the county disbursed with the same voucher number, if any
    today: date | None = None
    approved_on: date | None = None
    voucher_taken_by: int | None = None
    #: for a request: the acceptance the request named, and the contract's final acceptance (if any)
    named_acceptance_id: int | None = None
    final_acceptance_id: int | None = None
    #: where the rule set ties payments to the funds arrived (issue 16): the funds arrived for the project,
    #: what its other payments have approved or disbursed, and the clause
    arrived: Decimal | None = None
    project_paid: Decimal = Decimal(0)
    arrived_clause: str = ""
    #: the payee's account recorded on the contract (issue 17), None while there is none
    payee_account: str | None = None
    #: the project's open fraud recovery, if any (issue 17)
    fraud_recovery: int | None = None
    #: for a request: of the documents it names (``document_ids``), those of the project the actor may see,
    #: each with its SHA-256 (issue 18 item 4, :mod:`disburse.domain.payment_evidence`)
    project_documents: dict[int, str] = field(default_factory=dict)
    #: the contract is a subsidy agreement (补助协议): an awarded application's (issue 20)
    agreement: bool = False
    #: the agreement is of a per-unit call, and the volume report the payment names (issue 20 item 4,
    #: :mod:`disburse.domain.unit_payment_gates`): the verified report stands for the acceptance and the award
    per_unit: bool = False
    volume: VolumeRef | None = None

    def committed(self, *, kind: str | None = None) -> Decimal:
        """Disbursed plus in flight on the contract, other payments only (of ``kind`` if given)."""
        return sum((p.amount for p in self.others
                    if (p.state in IN_FLIGHT or p.state == PaymentState.DISBURSED)
                    and (kind is None or p.kind == kind)),
                   Decimal(0))


def _u(code: str, zh: str, en: str, clause: str = GATE_CLAUSE) -> list[Unmet]:
    return [Unmet(code, zh, en, clause)]


def project_active(f: PaymentFacts) -> list[Unmet]:
    """Nothing moves while the project is suspended, closed or in clawback (SPEC §5.1, §5.3)."""
    if f.project_state in HALTED:
        zh, en = labels.PROJECT_STATES.get(f.project_state, (f.project_state, f.project_state))
        return _u("project_not_active", f"项目当前状态为“{zh}”，不能办理拨付",
                  f"The project is {en.lower()}; no payment may move", SYSTEM_RULE)
    return []


def no_fraud_recovery_open(f: PaymentFacts) -> list[Unmet]:
    """No payment of a project moves while a fraud recovery on it is open (issue 17; seed 003 §5(1)3:
    对弄虚作假、欺骗行为的项目，应当如数追缴回全部资金 — money is not paid out while it is being ordered back)."""
    if f.fraud_recovery is None:
        return []
    return _u("fraud_recovery_open", f"本项目因弄虚作假、欺骗正在追缴全部资金（收回决定 {f.fraud_recovery}），暂停拨付",
              f"All funds of this project are being recovered for fraud (recovery {f.fraud_recovery}); "
              "no payment may move", "《XX县创建国家级电子商务进农村综合示范县工作实施方案》五(一)3"
              "（对弄虚作假、欺骗行为的项目，应当如数追缴回全部资金）")


def kind_fits_contract(f: PaymentFacts) -> list[Unmet]:
    """A subsidy agreement pays subsidies, after the fact (先建后补: no advance, no stages); a procured contract
    pays advances, stages and its final payment, never a subsidy (issue 20; seed 003 §5(1)1)."""
    if f.agreement and f.kind != "subsidy":
        return _u("agreement_pays_subsidy", f"补助协议只拨付补助资金，不能申请{_KIND_ZH.get(f.kind, f.kind)}",
                  f"A subsidy agreement pays the subsidy only, not a {f.kind} payment", SUBSIDY_CLAUSE)
    if not f.agreement and f.kind == "subsidy":
        return _u("subsidy_needs_award", "补助资金只能依据批准的项目申报拨付，采购合同不拨付补助资金",
                  "A subsidy is paid on an awarded application's agreement, not on a procured contract",
                  SUBSIDY_CLAUSE)
    return []


def project_stage_allows_kind(f: PaymentFacts) -> list[Unmet]:
    """Advances once contractors are selected; stage and final payments during acceptance (SPEC §5.3); a
    subsidy from the filed plan to the final audit (its own acceptance gates it)."""
    allowed = {"advance": ADVANCE_STATES, "subsidy": SUBSIDY_STATES}.get(f.kind, LATER_STATES)
    if f.project_state in allowed or f.project_state in HALTED:
        return []
    zh, en = labels.PROJECT_STATES.get(f.project_state, (f.project_state, f.project_state))
    return _u("project_stage", f"项目处于“{zh}”阶段，不能申请{_KIND_ZH[f.kind]}",
              f"A {f.kind} payment is not possible while the project is at '{en}'", GATE_CLAUSE)


def amount_positive(f: PaymentFacts) -> list[Unmet]:
    if f.amount > 0:
        return []
    return _u("amount_not_positive", "拨付金额须大于零", "The amount must be more than zero", SYSTEM_RULE)


def advance_within_cap(f: PaymentFacts) -> list[Unmet]:
    """Advances on a contract stay within its schedule's advance share and the rule set's cap."""
    if f.kind != "advance":
        return []
    share = min(f.advance_share, f.advance_cap)
    cap = (share * f.contract_amount).quantize(FEN, rounding=ROUND_DOWN)  # never half a fen above the share
    total = f.committed(kind="advance") + f.amount
    if total <= cap:
        return []
    return _u("advance_above_cap",
              f"预拨合计 {amount_zh(total)}，超过合同金额的 {share_text(share)}，即 {amount_zh(cap)}",
              f"Advances would total {amount_en(total)}, above {share_text(share)} of the contract "
              f"({amount_en(cap)})", f.advance_clause or GATE_CLAUSE)


def stage_acceptance_approved(f: PaymentFacts) -> list[Unmet]:
    """A stage payment names an approved stage acceptance of this contract (seed 004 §5(5)3)."""
    if f.kind != "stage":
        return []
    a = f.acceptance
    if a is None or a.contract_id != f.contract_id or a.kind != "stage":
        return _u("stage_acceptance_missing", "阶段拨付须指明本合同的阶段验收",
                  "A stage payment names a stage acceptance of this contract", cite(QUJING, "五(五)3"))
    if a.state != AcceptanceState.APPROVED:
        zh, en = labels.ACCEPTANCE_STATES.get(a.state, (a.state, a.state))
        return _u("acceptance_not_approved", f"阶段验收 {a.id} 尚未经领导小组审定（当前：{zh}）",
                  f"Stage acceptance {a.id} is not approved yet ({en.lower()})", cite(QUJING, "五(五)3"))
    return []


def one_payment_per_acceptance(f: PaymentFacts) -> list[Unmet]:
    """At most one stage payment per acceptance (SPEC §5.3)."""
    if f.kind != "stage" or f.acceptance is None:
        return []
    taken = [p.id for p in f.others
             if p.acceptance_id == f.acceptance.id and p.state not in (PaymentState.REJECTED, PaymentState.CANCELLED)]
    if not taken:
        return []
    return _u("acceptance_already_paid", f"阶段验收 {f.acceptance.id} 已有拨付 {taken[0]}",
              f"Stage acceptance {f.acceptance.id} already has payment {taken[0]}", SYSTEM_RULE)


def stage_within_share(f: PaymentFacts) -> list[Unmet]:
    """A stage payment is within the stage's share of the contract and the accepted amount."""
    if f.kind != "stage" or f.acceptance is None or f.acceptance.stage is None:
        return []
    unmet: list[Unmet] = []
    index = f.acceptance.stage - 1
    if 0 <= index < len(f.stage_shares):
        share = f.stage_shares[index]
        cap = (share * f.contract_amount).quantize(FEN, rounding=ROUND_DOWN)  # never half a fen above the share
        if f.amount > cap:
            unmet += _u("stage_above_share",
                        f"阶段拨付 {amount_zh(f.amount)}，超过第{f.acceptance.stage}阶段比例 "
                        f"{share_text(share)}，即 {amount_zh(cap)}",
                        f"The stage payment of {amount_en(f.amount)} is above stage "
                        f"{f.acceptance.stage}'s share of {share_text(share)} ({amount_en(cap)})")
    if f.amount > f.acceptance.accepted_total:
        unmet += _u("above_accepted_amount",
                    f"阶段拨付 {amount_zh(f.amount)}，"
                    f"超过该阶段验收核定的 {amount_zh(f.acceptance.accepted_total)}",
                    f"The stage payment of {amount_en(f.amount)} is above the "
                    f"{amount_en(f.acceptance.accepted_total)} its acceptance accepted", ACCEPTED_CLAUSE)
    return unmet


#: Money follows what acceptance accepted: seed 001 §6(2)2 (全部项目完成审核验收合格后，拨付其余全部资金),
#: seed 004 §5(5)2 (验收结论及核定金额).
ACCEPTED_CLAUSE = cites(cite(BURQIN, "六(二)2"), cite(QUJING, "五(五)2"))


def within_accepted_amount(f: PaymentFacts) -> list[Unmet]:
    """Once the contract's final acceptance is approved, Σ(disbursed + in flight) on the contract, advances
    included, stays within what its approved acceptances accepted (issue 17): a reduction (核减) at
    acceptance lowers what may be paid."""
    if f.accepted_approved is None:
        return []
    total = f.committed() + f.amount
    if total <= f.accepted_approved:
        return []
    return _u("above_accepted_amount",
              f"本合同已拨付与在途合计将达 {amount_zh(total)}，超过验收核定合计 "
              f"{amount_zh(f.accepted_approved)}，含预拨",
              f"Disbursed and in flight on the contract would reach {amount_en(total)}, above the "
              f"{amount_en(f.accepted_approved)} its acceptances accepted (advances included)", ACCEPTED_CLAUSE)


def final_acceptance_approved(f: PaymentFacts) -> list[Unmet]:
    """The final payment needs the contract's approved final acceptance (seed 001 §6(2)2)."""
    if f.kind != "final" or f.final_acceptance_approved:
        return []
    return _u("final_acceptance_missing", "本合同的终验尚未审定，不能拨付尾款",
              "The contract's final acceptance is not approved, so the final payment cannot move")


def subsidy_acceptance_approved(f: PaymentFacts) -> list[Unmet]:
    """A subsidy is paid once the application's work is accepted: the agreement's acceptance approved (seed
    003 §5(2)3③: 项目合格验收后，由县财政局按照程序和要求拨付资金)."""
    if f.kind != "subsidy" or f.final_acceptance_approved or f.per_unit:  # per unit: volume_report_verified
        return []
    return _u("subsidy_acceptance_missing", "申报项目尚未验收合格并经审定，不能拨付补助资金",
              "The application's work is not accepted and approved yet, so the subsidy cannot be paid",
              SUBSIDY_CLAUSE)


def subsidy_within_award(f: PaymentFacts) -> list[Unmet]:
    """Σ(disbursed + in flight) of a subsidy stays within the subsidy awarded (the agreement's amount); per unit,
    :func:`~disburse.domain.unit_payment_gates.unit_subsidy_within_due` says it with the month's terms."""
    if f.kind != "subsidy" or f.per_unit:
        return []
    total = f.committed() + f.amount
    if total <= f.contract_amount:
        return []
    return _u("subsidy_above_award",
              f"补助资金已拨付与在途合计将达 {amount_zh(total)}，超过批准的补助金额 {amount_zh(f.contract_amount)}",
              f"Subsidy disbursed and in flight would reach {amount_en(total)}, above the "
              f"{amount_en(f.contract_amount)} awarded", SUBSIDY_CLAUSE)


def final_within_remaining(f: PaymentFacts) -> list[Unmet]:
    """The final payment is at most what remains of the contract."""
    if f.kind != "final":
        return []
    remaining = f.contract_amount - f.committed()
    if f.amount <= remaining:
        return []
    return _u("final_above_remaining", f"尾款 {amount_zh(f.amount)}，超过合同余额 {amount_zh(remaining)}",
              f"The final payment of {amount_en(f.amount)} is above the {amount_en(remaining)} "
              f"that remain")


def contract_not_exceeded(f: PaymentFacts) -> list[Unmet]:
    """Σ(disbursed + in flight) on a contract never exceeds the contract amount (SPEC §5.3); a subsidy
    agreement's amount is the award, which :func:`subsidy_within_award` explains in its own words."""
    total = f.committed() + f.amount
    if total <= f.contract_amount or f.agreement:
        return []
    return _u("contract_exceeded", f"已拨付与在途合计将达 {amount_zh(total)}，超过合同金额 "
              f"{amount_zh(f.contract_amount)}",
              f"Disbursed and in flight would reach {amount_en(total)}, above the contract's "
              f"{amount_en(f.contract_amount)}", SYSTEM_RULE)


def contracts_within_total(f: PaymentFacts) -> list[Unmet]:
    """Σ contracts ≤ project total (SPEC §5.3)."""
    if f.contracts_total <= f.project_total:
        return []
    return _u("contracts_over_total", "合同金额合计超过项目总投资", "Contracts exceed the project total", SYSTEM_RULE)


def _ids(f: PaymentFacts) -> frozenset[int]:
    return f.actor_ids or frozenset({f.actor_id} if f.actor_id is not None else ())


def not_an_earlier_step(f: PaymentFacts) -> list[Unmet]:
    """No user performs two steps on the same payment; admins get no exception (SPEC §5.3). Under a delegation
    the step counts as the deputy's and the principal's, and so does every earlier step done under one (issue 21
    item 2): nobody performs, through a delegation, a second step on a payment."""
    mine = _ids(f)
    done = [step for step, users in f.steps.items() if users & mine]
    if not done:
        return []
    zh = "、".join(labels.of(labels.PAYMENT_STEPS, step, "zh") for step in done)
    en = ", ".join(labels.of(labels.PAYMENT_STEPS, step, "en").lower() for step in done)
    if len(mine) > 1 or any(len(f.steps[step]) > 1 for step in done):
        return _u("delegation_two_steps",
                  f"通过代理也不能由同一人员办理同一笔拨付的两个环节：委托人和代理人视为同一人员（已办理：{zh}）",
                  f"Not even through a delegation may one person perform two steps of one payment: the principal "
                  f"and the deputy count as one (already did: {en})", SYSTEM_RULE)
    return _u("same_user_two_steps", f"同一人员不能办理同一笔拨付的两个环节（已办理：{zh}）",
              f"One user may not perform two steps of one payment (already did: {en})", SYSTEM_RULE)


def not_the_verdict_recorder(f: PaymentFacts) -> list[Unmet]:
    """Who recorded the verdict of the acceptance a payment relies on may not verify or approve it."""
    if f.acceptance is None or f.acceptance.verdict_by is None or f.acceptance.verdict_by not in _ids(f):
        return []
    return _u("verdict_recorder", "作出验收结论的人员不能审核或批准依据该验收的拨付",
              "The user who recorded the acceptance's verdict may not verify or approve its payment", SYSTEM_RULE)


def is_the_requester(f: PaymentFacts) -> list[Unmet]:
    """Only the requester cancels, and only before approval (SPEC §5.3)."""
    if f.steps.get("request", frozenset()) & _ids(f):
        return []
    return _u("not_the_requester", "只有申请人可以撤销拨付申请", "Only the requester may cancel a payment request",
              SYSTEM_RULE)


def relies_on_its_acceptance(f: PaymentFacts) -> list[Unmet]:
    """What a request names fits its kind (SPEC §4, §5.3): an advance relies on no acceptance, a stage
    payment names its stage acceptance, a final payment relies on its contract's final acceptance (found
    for it; naming another is refused)."""
    named = f.named_acceptance_id
    if f.kind == "advance" and named is not None:
        return _field("advance_names_acceptance", "预拨资金不依据验收", "an advance relies on no acceptance")
    if f.kind == "stage" and named is None:
        return _field("stage_names_no_acceptance", "阶段拨付须注明所依据的阶段验收",
                      "a stage payment names its stage acceptance")
    if f.kind in ("final", "subsidy") and named is not None and named != f.final_acceptance_id:
        there = f" ({f.final_acceptance_id})" if f.final_acceptance_id else "; there is none yet"
        return _field("final_names_another_acceptance", "尾款和补助资金依据本合同（补助协议）的终验",
                      f"a {f.kind} payment relies on its contract's final acceptance" + there)
    return []


def _field(code: str, zh: str, en: str) -> list[Unmet]:
    return [Unmet(code, zh, en, SYSTEM_RULE, field="acceptance_id")]


def within_arrived_funds(f: PaymentFacts) -> list[Unmet]:
    """Where the rule set says so, a payment is approved and disbursed only within the funds arrived for
    the project (seed 003 §5(1)4: what has arrived is spent now, the rest when it arrives)."""
    if f.arrived is None or f.project_paid + f.amount <= f.arrived:
        return []
    return _u("funds_not_arrived",
              f"本项目到位资金 {amount_zh(f.arrived)}，已批准及拨付 {amount_zh(f.project_paid)}，"
              f"本笔 {amount_zh(f.amount)} 超出到位资金",
              f"The project has {amount_en(f.arrived)} arrived and {amount_en(f.project_paid)} approved "
              f"or disbursed; this payment of {amount_en(f.amount)} would go beyond the funds arrived",
              f.arrived_clause or GATE_CLAUSE)


def voucher_key(voucher_no: str) -> str:
    """The voucher number as compared: full-width forms as ASCII, capitals, no spaces
    (``" ｚｆ-2024 001"`` and ``"ZF-2024001"`` are one voucher). Never longer than the number itself."""
    return "".join(voucher_no.translate(_VOUCHER_FORMS).split())


def voucher_written(f: PaymentFacts) -> list[Unmet]:
    """A voucher number has something in it besides spaces."""
    voucher = f.data.get("voucher_no")
    if not isinstance(voucher, str) or voucher_key(voucher):
        return []
    return _u("voucher_blank", "支付凭证号不能只有空格", "The voucher number is blank", VOUCHER_CLAUSE)


def voucher_unique_in_county(f: PaymentFacts) -> list[Unmet]:
    """A voucher number (支付凭证号) pays once in a county: a second disbursement of the county citing it
    is refused, naming the payment that has it (issue 14)."""
    if f.voucher_taken_by is None:
        return []
    voucher = f.data.get("voucher_no")
    return _u("voucher_not_unique", f"支付凭证号 {voucher} 已用于本县的拨付 {f.voucher_taken_by}",
              f"The voucher number {voucher} was already used by payment {f.voucher_taken_by} in this county",
              VOUCHER_CLAUSE)


def disbursed_not_in_future(f: PaymentFacts) -> list[Unmet]:
    """A disbursement is recorded once made: its date is today or earlier (Asia/Shanghai)."""
    day: date | None = f.data.get("disbursed_on")
    if day is None or f.today is None or day <= f.today:
        return []
    return _u("disbursed_on_in_future", f"拨付日期 {day.isoformat()} 晚于今天 {f.today.isoformat()}",
              f"The disbursement date {day.isoformat()} is after today, {f.today.isoformat()}", SYSTEM_RULE)


def disbursed_not_before_approval(f: PaymentFacts) -> list[Unmet]:
    """Money leaves after the finance bureau approved it (requested → verified → approved → disbursed):
    the disbursement date is not before the day of the approval (Asia/Shanghai)."""
    day: date | None = f.data.get("disbursed_on")
    if day is None or f.approved_on is None or day >= f.approved_on:
        return []
    return _u("disbursed_before_approval",
              f"拨付日期 {day.isoformat()} 早于批准日期 {f.approved_on.isoformat()}",
              f"The disbursement date {day.isoformat()} is before the approval on {f.approved_on.isoformat()}",
              cite(XX_COUNTY, "五(二)3③"))


def payee_account_recorded(f: PaymentFacts) -> list[Unmet]:
    """Money leaves only for the payee's account recorded on the contract (issue 17): the payee is the
    contract's contractor, and a voucher names its bank and account (SPEC §4 voucher)."""
    if f.payee_account:
        return []
    return _u("payee_account_missing", "合同尚未登记收款人的开户银行和账号，不能拨付",
              "The contract has no payee bank account recorded; nothing can be disbursed", PAYEE_CLAUSE)


_KIND_ZH = {"advance": "预拨", "stage": "阶段拨付", "final": "尾款", "subsidy": "补助资金"}

PAYMENT_GUARDS: dict[str, Callable[[PaymentFacts], list[Unmet]]] = {
    "project_active": project_active,
    "no_fraud_recovery_open": no_fraud_recovery_open,
    "project_stage_allows_kind": project_stage_allows_kind,
    "kind_fits_contract": kind_fits_contract,
    "subsidy_acceptance_approved": subsidy_acceptance_approved,
    "subsidy_within_award": subsidy_within_award,
    "amount_positive": amount_positive,
    "advance_within_cap": advance_within_cap,
    "stage_acceptance_approved": stage_acceptance_approved,
    "one_payment_per_acceptance": one_payment_per_acceptance,
    "stage_within_share": stage_within_share,
    "final_acceptance_approved": final_acceptance_approved,
    "final_within_remaining": final_within_remaining,
    "within_accepted_amount": within_accepted_amount,
    "contract_not_exceeded": contract_not_exceeded,
    "contracts_within_total": contracts_within_total,
    "not_an_earlier_step": not_an_earlier_step,
    "not_the_verdict_recorder": not_the_verdict_recorder,
    "is_the_requester": is_the_requester,
    "relies_on_its_acceptance": relies_on_its_acceptance,
    "within_arrived_funds": within_arrived_funds,
    "voucher_written": voucher_written,
    "voucher_unique_in_county": voucher_unique_in_county,
    "disbursed_not_in_future": disbursed_not_in_future,
    "disbursed_not_before_approval": disbursed_not_before_approval,
    "payee_account_recorded": payee_account_recorded,
}
