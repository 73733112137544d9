"""Payments (拨付): request, verify, approve, disburse — gated at every step (SPEC §5.3).

Every use case locks the project and then the contract (``SELECT … FOR UPDATE``
on PostgreSQL; ``BEGIN IMMEDIATE`` already serialises writers on SQLite), reads
the facts under the lock, checks every gate again, and writes the change, its
audit entry and its idempotency record in one transaction.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from disburse.adapters import rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    BudgetLine,
    Contract,
    Contractor,
    Document,
    Money,
    Payment,
    PaymentDocument,
    Project,
    RecoveryOrder,
    Region,
    VoucherNumber,
)
from disburse.clock import REAL
from disburse.domain import labels, payee
from disburse.domain.ledger import EMPTY
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.notice import local_date
from disburse.domain.payee import DueClock
from disburse.domain.payment_evidence import EVIDENCE_CHECKS
from disburse.domain.payment_gates import PAYMENT_GUARDS, AcceptanceRef, OtherPayment, PaymentFacts, voucher_key
from disburse.domain.roles import Role
from disburse.domain.states import IN_FLIGHT, AcceptanceState, PaymentEvent, PaymentState
from disburse.domain.unit_payment_gates import UNIT_PAYMENT_GATES
from disburse.domain.unmet import Unmet
from disburse.domain.workflow import NEW, Functions, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.services import acceptances, allocations, audit, engine, pages, recoveries, unit_payments
from disburse.services.access import (
    is_contractor,
    jurisdiction_clause,
    jurisdiction_codes,
    load_contract,
    load_payment,
    load_project,
    lock_payment,
    visible_contracts,
)
from disburse.services.context import Actor, Origin
from disburse.services.documents import document_view
from disburse.services.engine import RowState, Step, Target
from disburse.services.errors import Forbidden
from disburse.services.idempotency import Idem
from disburse.services.ledger import contract_ledgers, contract_ledgers_of
from disburse.services.views import PayeeView, PaymentView

#: Who did each step, as the payment row records it (segregation of duties, SPEC §5.3); the principal it was
#: done for under a delegation is in the column of the same step ending ``_for`` (issue 21 item 2).
STEP_OF: dict[str, str] = {PaymentEvent.REQUEST: "requested_by", PaymentEvent.VERIFY: "verified_by",
                           PaymentEvent.APPROVE: "approved_by", PaymentEvent.DISBURSE: "disbursed_by",
                           PaymentEvent.REJECT: "rejected_by"}


def steps_of(payment: Payment) -> dict[str, frozenset[int]]:
    """Everyone each earlier step counts as: who did it and whom for (segregation of duties reads it)."""
    out = {}
    for step in (PaymentEvent.REQUEST, PaymentEvent.VERIFY, PaymentEvent.APPROVE, PaymentEvent.DISBURSE):
        column = STEP_OF[step]
        out[str(step)] = frozenset(i for i in (getattr(payment, column), getattr(payment, column[:-3] + "_for"))
                                   if i is not None)
    return out


def principals_of(payment: Payment) -> dict[str, int]:
    """The principal each step was done for, where a deputy did it (代理, issue 21 item 2)."""
    return {str(step): principal for step, column in STEP_OF.items()
            if (principal := getattr(payment, column[:-3] + "_for")) is not None}


def _sign(step: Step[Payment, PaymentFacts]) -> None:
    column = STEP_OF[step.spec.trigger]
    setattr(step.entity, column, step.actor.id)
    setattr(step.entity, column[:-3] + "_for", step.actor.principal_id)
    step.facts = replace(step.facts, steps={**step.facts.steps, step.spec.trigger: step.actor.ids})


# --- effects: what a step does besides moving the state (named in workflows/payment.yaml) --------------


def record_request(step: Step[Payment, PaymentFacts]) -> None:
    """The request: who asked, for what, relying on which acceptance."""
    payment = step.entity
    step.facts = replace(step.facts, steps={})
    _sign(step)
    step.record.update(contract_id=payment.contract_id, kind=payment.kind, amount=format_yuan(payment.amount),
                       acceptance_id=payment.acceptance_id)


def record_payment(step: Step[Payment, PaymentFacts]) -> None:
    """Every later step records which payment it moved: its amount, kind and contract."""
    payment = step.entity
    step.record.update(amount=format_yuan(payment.amount), kind=payment.kind, contract_id=payment.contract_id)


def sign_step(step: Step[Payment, PaymentFacts]) -> None:
    """Who did the step (segregation of duties reads it at every later step)."""
    _sign(step)


def attach_documents(step: Step[Payment, PaymentFacts]) -> None:
    """The documents the request carries (issue 18 item 4), each linked once; the audit entry names them by
    id and SHA-256, so an inspector can prove which papers the decision rested on."""
    named = list(dict.fromkeys(step.data.get("document_ids") or []))
    for document_id in named:
        step.add(PaymentDocument(payment_id=step.entity.id, document_id=document_id))
    if named:
        step.record.update(documents=[{"id": n, "sha256": step.facts.project_documents[n]} for n in named])


def record_voucher(step: Step[Payment, PaymentFacts]) -> None:
    """A disbursement's voucher (支付凭证号) and date; the voucher number becomes the county's (issue 14); the
    bank's transaction reference (银行交易流水号) when finance gives one (issue 18 item 4)."""
    payment = step.entity
    payment.voucher_no, payment.disbursed_on = step.data["voucher_no"], step.data["disbursed_on"]
    reference = step.data.get("bank_reference")
    payment.bank_reference = reference.strip() if isinstance(reference, str) else None
    step.add(VoucherNumber(region_code=step.target.project.region_code, voucher_key=voucher_key(payment.voucher_no),
                           payment_id=payment.id))
    step.record.update(voucher_no=payment.voucher_no, disbursed_on=payment.disbursed_on.isoformat())
    if payment.bank_reference:
        step.record.update(bank_reference=payment.bank_reference)


EFFECTS = {"record_request": record_request, "record_payment": record_payment, "sign_step": sign_step,
           "record_voucher": record_voucher, "attach_documents": attach_documents,
           "record_volume_report": unit_payments.record_volume_report}


@cache
def workflow() -> Workflow[PaymentFacts, Step[Payment, PaymentFacts]]:
    """The payment workflow, loaded once from ``workflows/payment.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "payment.yaml", Functions(PaymentState, PaymentEvent,
                                                                    {**PAYMENT_GUARDS, **EVIDENCE_CHECKS,
                                                                     **UNIT_PAYMENT_GATES},
                                                                    effects=EFFECTS))


def _lock(session: Session, actor: Actor, contract_id: int) -> tuple[Contract, Project]:
    """Lock the project, then the contract (one order everywhere, so no deadlock)."""
    contract, project = load_contract(session, actor, contract_id, lock=True)
    locked = session.scalar(select(Contract).where(Contract.id == contract.id).with_for_update(of=Contract)
                            .execution_options(populate_existing=True))
    assert locked is not None
    return locked, project


class PaymentSubject(RowState[Payment, PaymentFacts]):
    """The payment workflow's part of the event path (:mod:`disburse.services.engine`)."""

    kind = "payment"

    def workflow(self) -> Workflow[PaymentFacts, Step[Payment, PaymentFacts]]:
        return workflow()

    def load(self, session: Session, actor: Actor, ident: int, *, lock: bool) -> Target[Payment]:
        """The payment under locks on its project, its contract and itself, in that order."""
        if not lock:
            payment, contract, project = load_payment(session, actor, ident)
        else:
            payment, contract, project = lock_payment(session, actor, ident)
        return Target(payment, project, {"contract": contract})

    def new(self, session: Session, actor: Actor, parent: int, data: Mapping[str, Any],
            now: datetime) -> Target[Payment]:
        """A payment requested on the contract ``parent``; a final payment relies on the contract's final
        acceptance, found for it (SPEC §4, §5.3)."""
        contract, project = _lock(session, actor, parent)
        acceptance_id = data.get("acceptance_id")
        if data["kind"] in ("final", "subsidy"):
            acceptance_id = _final_acceptance(session, contract.id)
        payment = Payment(contract_id=contract.id, project_id=project.id, kind=data["kind"], amount=data["amount"],
                          acceptance_id=acceptance_id, state=NEW, note=data.get("note"), created_at=now,
                          updated_at=now)
        return Target(payment, project, {"contract": contract})

    def facts(self, session: Session, target: Target[Payment], actor: Actor, data: Mapping[str, Any],
              now: datetime) -> PaymentFacts:
        payment, contract, project = target.entity, target.parents["contract"], target.project
        facts = _facts(session, contract, project, kind=payment.kind, amount=payment.amount,
                       acceptance_id=payment.acceptance_id, actor=actor,
                       payment=None if payment.id is None else payment, data=data)
        if payment.id is None:
            return replace(facts, named_acceptance_id=data.get("acceptance_id"),
                           final_acceptance_id=_final_acceptance(session, contract.id),
                           project_documents=_project_documents(session, actor, project.id,
                                                                data.get("document_ids") or []))
        if "voucher_no" in data or "disbursed_on" in data:
            return _disbursement_facts(session, facts, payment, project, data, now)
        return facts

    def view(self, session: Session, step: Step[Payment, PaymentFacts], allowed: list[str]) -> PaymentView:
        contract = step.target.parents["contract"]
        return payment_view(step.entity, allowed, contract,
                            due_clock_of(session, step.entity, contract, step.target.project, local_date(step.now)),
                            attached_ids(session, [step.entity.id]).get(step.entity.id, ()))


SUBJECT = PaymentSubject()


def _project_documents(session: Session, actor: Actor, project_id: int, named: list[int]) -> dict[int, str]:
    """Of the documents a request names, those of the project the actor may see (a contractor: its own
    contracts' only, as :func:`disburse.services.access.load_document` lets it read), each with its SHA-256."""
    if not named:
        return {}
    rows = session.execute(select(Document.id, Document.sha256, Document.contract_id)
                           .where(Document.id.in_(named), Document.project_id == project_id)).all()
    if actor.role != Role.CONTRACTOR:
        return {ident: sha for ident, sha, _ in rows}
    own = set(session.scalars(select(Contract.id).join(Contractor, Contractor.id == Contract.contractor_id)
                              .where(Contract.project_id == project_id,
                                     Contractor.credit_code == actor.contractor_code)))
    return {ident: sha for ident, sha, contract_id in rows if contract_id in own}


def _final_acceptance(session: Session, contract_id: int) -> int | None:
    return session.scalar(select(Acceptance.id).where(Acceptance.contract_id == contract_id,
                                                      Acceptance.kind == "final"))


def _facts(session: Session, contract: Contract, project: Project, *, kind: str, amount: Decimal,
           acceptance_id: int | None, actor: Actor, payment: Payment | None = None,
           data: Mapping[str, Any] | None = None) -> PaymentFacts:
    """The facts one payment step's gates read: :func:`facts_in_bulk` for one payment, or for the request
    of a new one (``payment`` None: ``kind``, ``amount`` and ``acceptance_id`` as asked)."""
    subject = payment if payment is not None else Payment(kind=kind, amount=amount, acceptance_id=acceptance_id)
    return facts_in_bulk(session, actor, [(subject, contract, project)], data)[0]


def request_payment(db: Database, actor: Actor, origin: Origin, contract_id: int, data: Mapping[str, Any],
                    idem: Idem | None = None, *, now: datetime) -> tuple[int, PaymentView]:
    """Request a payment on a contract; every gate must hold now. Returns (201, payment).

    ``now`` is the app's clock; the scheduler measures how long a payment waits from it.
    """
    return engine.create(db, SUBJECT, actor, origin, contract_id, data, now, idem)


def fire_event(db: Database, actor: Actor, origin: Origin, payment_id: int, event: str, data: Mapping[str, Any],
               idem: Idem | None = None, *, now: datetime) -> tuple[int, PaymentView]:
    """A step of the payment: every gate is checked again under the lock. Returns (200, payment)."""
    return engine.fire(db, SUBJECT, actor, origin, payment_id, event, data, now, idem)


def _disbursement_facts(session: Session, facts: PaymentFacts, payment: Payment, project: Project,
                        data: Mapping[str, Any], now: datetime) -> PaymentFacts:
    """What the disbursement's checks look at (issue 14): today and the day of the approval, in
    Asia/Shanghai by the app's clock — a payment in ``approved`` was last changed by its approval, so
    its ``updated_at`` is that moment — and the county's payment already holding the voucher number.
    The ``voucher_numbers`` row written with the disbursement makes the number the county's, under
    concurrency too (a concurrent twin fails on its primary key and rolls back)."""
    voucher = data.get("voucher_no")
    taken = None
    if isinstance(voucher, str):
        taken = session.scalar(select(VoucherNumber.payment_id).where(
            VoucherNumber.region_code == project.region_code, VoucherNumber.voucher_key == voucher_key(voucher)))
    return replace(facts, today=local_date(now),
                   approved_on=local_date(payment.updated_at) if payment.state == PaymentState.APPROVED else None,
                   voucher_taken_by=None if taken == payment.id else taken)


def explain_event(db: Database, actor: Actor, payment_id: int, event: str,
                  now: datetime | None = None) -> dict[str, Any]:
    spec = engine.spec_of(workflow(), event)
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, payment_id, lock=False)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now or REAL.now())
        return engine.explanation(workflow(), spec, actor, target.entity.state, facts)


def waiting_for_others(actor: Actor, state: str, mine: list[str]) -> list[dict[str, Any]]:
    """The actor's next steps that wait for another role's step first, each shown as not yet possible and
    saying what it waits for (issue 18 item 4: finance sees 批准 greyed out, waiting for commerce to verify,
    rather than 驳回 alone and no word of why). Steps that end a payment (reject, cancel) lead nowhere."""
    flow = workflow()
    waiting: list[dict[str, Any]] = []
    for before in flow.events_from(state):
        if actor.role in before.roles or len(before.dests) != 1 or before.dests[0] not in IN_FLIGHT:
            continue
        who = labels.ROLES.get(before.roles[0], (before.roles[0], before.roles[0]))
        for spec in flow.events_from(before.dests[0]):
            if actor.role not in spec.roles or spec.trigger in mine or spec.dests[0] not in (*IN_FLIGHT, "disbursed"):
                continue
            unmet = Unmet("awaiting_step", f"等待{who[0]}{before.zh}：{before.zh}后方可{spec.zh}",
                          f"Waiting for the {who[1].lower()} to {before.en.lower()} the request: then it can be "
                          f"{spec.en.lower()}d",
                          before.clause)
            waiting.append({"event": spec.trigger, "label": {"zh": spec.zh, "en": spec.en}, "allowed": False,
                            "unmet": [unmet], "requires": list(spec.requires), "roles": list(spec.roles),
                            "clause": spec.clause, "confirm": None})
            mine.append(spec.trigger)
    return waiting


def actions(db: Database, actor: Actor, payment_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The payment events of the actor's role from its state, each allowed or with why not, and the actor's
    next steps waiting for another role's (the UI). The forward steps come first, the closing ones last."""
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, payment_id, lock=False)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now or REAL.now())
        return _actions_for(actor, target.entity.state, facts)


#: The steps that end a payment without paying it: shown after the others and never as the main button.
CLOSING = (PaymentEvent.REJECT, PaymentEvent.CANCEL)


def evidence(db: Database, actor: Actor, payment_id: int) -> dict[str, Any]:
    """What a decision on the payment rests on (issue 18 item 4): the documents its request carries, the
    acceptance it relies on with its verdicts per line (result, accepted amount; seed 004 §5(5)2), and what
    the contract's approved acceptances accepted in all — read in one transaction, a few queries."""
    with db.reading() as tx:
        session = tx.session
        payment, contract, project = load_payment(session, actor, payment_id)
        attached = [document_view(d) for d in session.scalars(
            select(Document).join(PaymentDocument, PaymentDocument.document_id == Document.id)
            .where(PaymentDocument.payment_id == payment.id).order_by(Document.id))]
        basis = None
        if payment.acceptance_id is not None:
            acceptance = session.get(Acceptance, payment.acceptance_id)
            assert acceptance is not None
            lines = {line.id: line for line in session.scalars(select(BudgetLine).where(
                BudgetLine.id.in_([v.line_id for v in acceptance.verdicts])))}
            basis = {"id": acceptance.id, "kind": acceptance.kind, "stage": acceptance.stage,
                     "state": acceptance.state,
                     "state_label": engine.state_label(acceptances.workflow(), acceptance.state),
                     "accepted_total": format_yuan(acceptances.accepted_total(acceptance)),
                     "verdicts": [{"line_id": v.line_id, "category": lines[v.line_id].category,
                                   "item": lines[v.line_id].item, "result": v.result,
                                   "accepted_amount": format_yuan(v.accepted_amount), "note": v.note}
                                  for v in acceptance.verdicts]}
        approved = session.scalars(select(Acceptance).where(Acceptance.contract_id == contract.id,
                                                            Acceptance.state == AcceptanceState.APPROVED))
        accepted = sum((acceptances.accepted_total(a) for a in approved), Decimal(0))
        return {"documents": attached, "acceptance": basis, "accepted": format_yuan(accepted)}


def may_request(actor: Actor) -> bool:
    """Whether the actor's role may request payments at all (the ``request`` transition's roles)."""
    return actor.role in workflow().creation().roles


#: Payments that are, or will be, paid: the due clock runs for them (not for a rejected or cancelled one).
LIVE = (*IN_FLIGHT, PaymentState.DISBURSED)


def due_clock_of(session: Session, payment: Payment, contract: Contract, project: Project,
                 today: date) -> DueClock | None:
    """The payment's due clock (issue 17; 保障中小企业款项支付条例 第八条、第九条): a stage or final payment
    relying on an approved acceptance is due the contract's ``payment_due_days`` (else the rule set's)
    after the approval — the acceptance's last change, since ``approved`` is where it ends; an advance
    relies on none and has no due day. Late days count to the disbursement, or to ``today`` while
    unpaid (Asia/Shanghai); a rejected or cancelled payment is never late."""
    if payment.acceptance_id is None:
        return None
    acceptance = session.get(Acceptance, payment.acceptance_id)
    if acceptance is None or acceptance.state != AcceptanceState.APPROVED:
        return None
    days = contract.payment_due_days or rulesets.for_project(session, project).payment_due_days
    clock = payee.due_clock(local_date(acceptance.updated_at), days, today=today, paid_on=payment.disbursed_on)
    return clock if payment.state in LIVE else replace(clock, overdue_days=0)


_ATTACHED = (select(PaymentDocument.payment_id, PaymentDocument.document_id)
             .where(PaymentDocument.payment_id.in_(bindparam("payments", expanding=True)))
             .order_by(PaymentDocument.document_id))


def attached_ids(session: Session, payment_ids: list[int]) -> dict[int, tuple[int, ...]]:
    """The documents each payment's request carries (issue 18 item 4), in one query."""
    found: dict[int, list[int]] = {}
    if payment_ids:
        for payment_id, document_id in session.execute(_ATTACHED, {"payments": payment_ids}):
            found.setdefault(payment_id, []).append(document_id)
    return {k: tuple(v) for k, v in found.items()}


def payment_view(payment: Payment, allowed: list[str], contract: Contract, due: DueClock | None,
                 document_ids: tuple[int, ...] = ()) -> PaymentView:
    """A payment with the events the reader may fire on it now, its payee, its due clock and its documents."""
    return PaymentView(
        id=payment.id, contract_id=payment.contract_id, project_id=payment.project_id, kind=payment.kind,
        amount=payment.amount, acceptance_id=payment.acceptance_id, state=payment.state,
        state_label=engine.state_label(workflow(), payment.state), note=payment.note,
        requested_by=payment.requested_by, verified_by=payment.verified_by, approved_by=payment.approved_by,
        disbursed_by=payment.disbursed_by, voucher_no=payment.voucher_no, disbursed_on=payment.disbursed_on,
        allowed_events=tuple(allowed), created_at=payment.created_at, updated_at=payment.updated_at,
        payee=PayeeView(contract.contractor.name, contract.payee_bank, contract.payee_account),
        due_days=None if due is None else due.days, due_on=None if due is None else due.due_on,
        overdue_days=0 if due is None else due.overdue_days, bank_reference=payment.bank_reference,
        document_ids=document_ids, volume_report_id=payment.volume_report_id, on_behalf_of=principals_of(payment))


def _read_view(session: Session, actor: Actor, target: Target[Payment], now: datetime,
               document_ids: tuple[int, ...] | None = None) -> PaymentView:
    facts = SUBJECT.facts(session, target, actor, {}, now)
    contract, entity = target.parents["contract"], target.entity
    if document_ids is None:
        document_ids = attached_ids(session, [entity.id]).get(entity.id, ())
    return payment_view(entity, engine.allowed(workflow(), actor, entity.state, facts), contract,
                        due_clock_of(session, entity, contract, target.project, local_date(now)), document_ids)


def get_payment(db: Database, actor: Actor, payment_id: int, now: datetime | None = None) -> PaymentView:
    """A payment as the actor may see it, its due clock read at ``now`` (the app's clock)."""
    with db.reading() as tx:
        return _read_view(tx.session, actor, SUBJECT.load(tx.session, actor, payment_id, lock=False),
                          now or REAL.now())


def list_payments(db: Database, actor: Actor, contract_id: int, now: datetime | None = None) -> dict[str, Any]:
    with db.reading() as tx:
        contract, project = load_contract(tx.session, actor, contract_id)
        rows = list(tx.session.scalars(select(Payment).where(Payment.contract_id == contract.id)
                                       .order_by(Payment.id)))
        attached = attached_ids(tx.session, [p.id for p in rows])
        return pages.whole([_read_view(tx.session, actor, Target(p, project, {"contract": contract}), now or REAL.now(),
                                       attached.get(p.id, ())) for p in rows])


#: What waits for each role: commerce verifies requests; finance approves and disburses.
AWAITING = {Role.COMMERCE: (PaymentState.REQUESTED,), Role.FINANCE: (PaymentState.VERIFIED, PaymentState.APPROVED)}


def approval_queue(db: Database, actor: Actor, *, page: int = 1, per_page: int = 20,
                   now: datetime | None = None) -> dict[str, Any]:
    """Payments waiting for the actor's role in its jurisdiction, the longest-waiting first (SPEC §1), each
    with its payee's account and its due clock at ``now`` (issue 17: due day and days overdue)."""
    today = local_date(now or REAL.now())
    with db.reading() as tx:
        return queue_in(tx.session, actor, jurisdiction_codes(tx.session, actor), page=page, per_page=per_page,
                        today=today)[0]


def project_ledger(db: Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """Per contract and in total: contracted, requested, in flight, approved, disbursed, remaining, recovered;
    and the recoveries (issue 17): ordered, received, outstanding (a contractor: those naming its contracts)."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        ledgers = contract_ledgers(tx.session, project.id)
        contracts = visible_contracts(tx.session, actor, project.id)
        total = sum((ledgers[c.id] for c in contracts), EMPTY)
        owed = recoveries.summary_of_views(recoveries.views_of(tx.session, project.id, actor))
        return {
            "project_id": project.id,
            "total": format_yuan(project.total),
            "contracts": [{"contract_id": c.id, "lot": c.lot, **ledgers[c.id].view()} for c in contracts],
            "totals": {**total.view(), "outstanding": format_yuan(owed.outstanding)},
            "recoveries": {"ordered": format_yuan(owed.ordered), "received": format_yuan(owed.received),
                           "outstanding": format_yuan(owed.outstanding)},
        }


def list_in_jurisdiction(db: Database, actor: Actor, states: tuple[str, ...] | None = None, *, page: int = 1,
                         per_page: int = 20) -> dict[str, Any]:
    """Payments the actor may see, newest first, optionally in the given states (a contractor: on its own
    contracts; everyone else: in its region's subtree, SPEC §6)."""
    with db.reading() as tx:
        where: list[Any] = [jurisdiction_clause(actor)]
        if states:
            where.append(Payment.state.in_(states))
        joined = (select(Payment, Project.name, Contract.lot).join(Project, Project.id == Payment.project_id)
                  .join(Region, Region.code == Project.region_code).join(Contract, Contract.id == Payment.contract_id)
                  .join(Contractor, Contractor.id == Contract.contractor_id).where(*where))
        total = tx.session.scalar(select(func.count()).select_from(joined.subquery())) or 0
        rows = tx.session.execute(joined.order_by(Payment.id.desc()).offset((page - 1) * per_page)
                                  .limit(per_page)).all()
        items = [{"id": p.id, "project_id": p.project_id, "project_name": name, "contract_id": p.contract_id,
                  "lot": lot, "kind": p.kind, "amount": format_yuan(p.amount), "amount_wan": format_wan(p.amount),
                  "acceptance_id": p.acceptance_id, "state": p.state,
                  "state_label": engine.state_label(workflow(), p.state), "created_at": p.created_at.isoformat(),
                  "updated_at": p.updated_at.isoformat()} for p, name, lot in rows]
        return pages.page(items, total, page, per_page)


def history(db: Database, actor: Actor, payment_id: int) -> list[dict[str, Any]]:
    """The payment's steps from the audit log, in order: who requested, verified, approved, disbursed, and when."""
    with db.reading() as tx:
        payment, _, project = load_payment(tx.session, actor, payment_id)
        return audit.entity_history(tx.session, project.id, "payment", payment.id)


# --- many payments at once: the desks read their facts in bulk (issue 19 item 2) -----------------


def _actions_for(actor: Actor, state: str, facts: PaymentFacts) -> list[dict[str, Any]]:
    """The payment events of the actor's role from ``state`` with these facts, as :func:`actions` gives them."""
    found = engine.actions(workflow(), actor, state, facts)
    found += waiting_for_others(actor, state, [a["event"] for a in found])
    return sorted(found, key=lambda a: a["event"] in CLOSING)


def facts_of_many(session: Session, actor: Actor,
                  rows: list[tuple[Payment, Contract, Project]]) -> dict[int, PaymentFacts]:
    """:func:`facts_in_bulk` of stored payments, by payment id (a desk's queue)."""
    return {payment.id: facts for (payment, _, _), facts in zip(rows, facts_in_bulk(session, actor, rows),
                                                                  strict=True)}


#: The states whose amounts count as paid out of the funds arrived.
_PAYING = (PaymentState.APPROVED, PaymentState.DISBURSED)
#: :func:`facts_in_bulk`'s statements, built once (issue 19: cached statements on the hot path): the
#: contracts' payments; the named and the approved acceptances with their verdicts; per project its contracts'
#: total, the funds arrived, what is paid and its open fraud recovery.
_ON_CONTRACTS = (select(Payment.contract_id, Payment.id, Payment.kind, Payment.amount, Payment.state,
                        Payment.acceptance_id)
                 .where(Payment.contract_id.in_(bindparam("contracts", expanding=True))).order_by(Payment.id))
_ACCEPTANCES = (select(Acceptance).options(selectinload(Acceptance.verdicts))
                .where(or_(Acceptance.id.in_(bindparam("named", expanding=True)),
                           and_(Acceptance.contract_id.in_(bindparam("contracts", expanding=True)),
                                Acceptance.state == AcceptanceState.APPROVED)))
                .order_by(Acceptance.id))
_FIGURES = select(
    Project.id,
    select(type_coerce(func.coalesce(func.sum(Contract.amount), 0), Money))
    .where(Contract.project_id == Project.id).scalar_subquery(),
    allocations.arrived_sql(Project.id),
    select(type_coerce(func.coalesce(func.sum(Payment.amount), 0), Money))
    .where(Payment.project_id == Project.id, Payment.state.in_(_PAYING)).scalar_subquery(),
    recoveries.open_fraud_sql(Project.id)).where(Project.id.in_(bindparam("projects", expanding=True)))


def facts_in_bulk(session: Session, actor: Actor, rows: Sequence[tuple[Payment, Contract, Project]],
                  data: Mapping[str, Any] | None = None) -> list[PaymentFacts]:
    """The facts each payment's gates read, in the order of ``rows``, in a fixed number of statements however
    many payments (issue 19: a step reads its facts once; a desk reads its queue's at once): their contracts'
    payments; the acceptances they name and their contracts' approved ones, verdicts with them; per project
    the contracts' total, the funds arrived, what is approved or disbursed and its open fraud recovery, in one
    statement. A payment not yet stored (``id`` None) is a request being made. The guards that judge the
    facts are the workflow's."""
    if not rows:
        return []
    contract_ids = sorted({c.id for _, c, _ in rows})
    project_ids = sorted({pr.id for _, _, pr in rows})
    on_contract: dict[int, list[OtherPayment]] = {}
    for contract_id, ident, kind, amount, state, acceptance_id in session.execute(
            _ON_CONTRACTS, {"contracts": contract_ids}):
        on_contract.setdefault(contract_id, []).append(OtherPayment(ident, kind, amount, state, acceptance_id))
    named = sorted({p.acceptance_id for p, _, _ in rows if p.acceptance_id is not None})
    found = session.scalars(_ACCEPTANCES, {"named": named, "contracts": contract_ids}).all()
    by_id = {a.id: a for a in found}
    approved: dict[int, list[Acceptance]] = {}
    for a in found:
        if a.state == AcceptanceState.APPROVED:
            approved.setdefault(a.contract_id, []).append(a)
    paying = _PAYING
    figures = {row[0]: row[1:] for row in session.execute(_FIGURES, {"projects": project_ids})}
    per_unit = unit_payments.read(session, rows, data)  # issue 20 item 4: nothing read without an agreement
    out: list[PaymentFacts] = []
    for (payment, contract, project), (by_unit, volume) in zip(rows, per_unit, strict=True):
        rules = rulesets.for_project(session, project)
        stored = payment.id is not None
        ref = None
        named_one = by_id.get(payment.acceptance_id) if payment.acceptance_id is not None else None
        if named_one is not None:
            ref = AcceptanceRef(named_one.id, named_one.contract_id, named_one.kind, named_one.stage,
                                named_one.state, acceptances.accepted_total(named_one), named_one.verdict_by)
        mine = approved.get(contract.id, [])
        final_ok = any(x.kind == "final" for x in mine)
        contracted, arrived_sum, paid_sum, fraud = figures[project.id]
        arrived, paid = None, Decimal(0)
        if rules.payments_within_arrived_funds:
            arrived = arrived_sum
            paid = paid_sum - (payment.amount if stored and payment.state in paying else 0)
        out.append(PaymentFacts(
            kind=payment.kind, amount=payment.amount, contract_id=contract.id, contract_amount=contract.amount,
            advance_share=Decimal(contract.advance_share),
            stage_shares=tuple(Decimal(s["share"]) for s in contract.stages),
            advance_cap=rules.advance_cap, advance_clause=rules.advance_clause, project_state=project.state,
            project_total=project.total, contracts_total=contracted,
            others=tuple(p for p in on_contract.get(contract.id, []) if p.id != payment.id),
            acceptance=ref, final_acceptance_approved=final_ok,
            accepted_approved=sum((acceptances.accepted_total(x) for x in mine), Decimal(0)) if final_ok else None,
            payment_id=payment.id, actor_id=actor.id, actor_ids=actor.ids, steps=steps_of(payment) if stored else {},
            data=dict(data or {}), arrived=arrived, project_paid=paid, arrived_clause=rules.arrived_funds_clause,
            payee_account=contract.payee_account, fraud_recovery=fraud,
            agreement=contract.application_id is not None, per_unit=by_unit, volume=volume))
    return out


def actions_of_many(session: Session, actor: Actor, rows: list[tuple[Payment, Contract, Project]],
                    now: datetime) -> dict[int, list[dict[str, Any]]]:
    """:func:`actions` of many payments at once (a desk's queue), their facts read in bulk."""
    del now  # the payment events' gates read no clock; kept so the call reads as actions()'s
    facts = facts_of_many(session, actor, rows)
    return {p.id: _actions_for(actor, p.state, facts[p.id]) for p, _, _ in rows}


def queue_in(session: Session, actor: Actor, codes: list[str], *, page: int, per_page: int,
             today: date) -> tuple[dict[str, Any], list[tuple[Payment, Contract, Project]]]:
    """:func:`approval_queue` inside an open transaction for the jurisdiction's region ``codes``
    (:func:`disburse.services.access.jurisdiction_codes`): the page, and its payments with their contracts
    and projects for the caller's bulk reads. Payees and acceptances are read with the page, so the due
    clocks and payees read no more."""
    states = AWAITING.get(actor.role)  # type: ignore[call-overload]
    if not states:
        raise Forbidden(f"nothing waits for the role {actor.role}", audit=True)
    where = (Payment.state.in_(states), Project.region_code.in_(codes))
    total = session.scalar(select(func.count()).select_from(Payment)
                           .join(Project, Project.id == Payment.project_id).where(*where)) or 0
    found = session.execute(
        select(Payment, Project, Contract).join(Project, Project.id == Payment.project_id)
        .join(Contract, Contract.id == Payment.contract_id).where(*where)
        .order_by(Payment.updated_at, Payment.id).offset((page - 1) * per_page).limit(per_page)).all()
    rows = [(p, contract, project) for p, project, contract in found]
    named = sorted({p.acceptance_id for p, _, _ in rows if p.acceptance_id is not None})
    if named:  # into the session, where due_clock_of's get finds them
        session.scalars(select(Acceptance).options(selectinload(Acceptance.verdicts))
                        .where(Acceptance.id.in_(named))).all()
    items = []
    for p, contract, project in rows:
        due = due_clock_of(session, p, contract, project, today)
        items.append({
            "id": p.id, "project_id": p.project_id, "project_name": project.name, "contract_id": p.contract_id,
            "lot": contract.lot, "kind": p.kind, "amount": format_yuan(p.amount),
            "amount_wan": format_wan(p.amount), "state": p.state, "waiting_since": p.updated_at.isoformat(),
            "payee": {"name": contract.contractor.name, "bank": contract.payee_bank,
                      "account": contract.payee_account},
            "due_on": None if due is None else due.due_on.isoformat(),
            "overdue_days": 0 if due is None else due.overdue_days})
    return pages.page(items, total, page, per_page), rows


def ledgers_of(session: Session, actor: Actor, projects: list[Project]) -> list[dict[str, Any]]:
    """:func:`project_ledger` of many projects of a bureau desk at once, in a fixed number of statements."""
    if is_contractor(actor):
        raise Forbidden("a contractor's ledgers are read one project at a time", audit=True)
    ids = [p.id for p in projects]
    ledgers = contract_ledgers_of(session, ids)
    contracts: dict[int, list[Contract]] = {pid: [] for pid in ids}
    for c in session.scalars(select(Contract).where(Contract.project_id.in_(ids)).order_by(Contract.id)):
        contracts[c.project_id].append(c)
    owed_rows: dict[int, list[tuple[str, Decimal, Decimal]]] = {pid: [] for pid in ids}
    for pid, state, amount, received in session.execute(
            select(RecoveryOrder.project_id, RecoveryOrder.state, RecoveryOrder.amount, RecoveryOrder.received)
            .where(RecoveryOrder.project_id.in_(ids))):
        owed_rows[pid].append((state, amount, received))
    out = []
    for project in projects:
        shown = contracts[project.id]
        total = sum((ledgers[project.id][c.id] for c in shown), EMPTY)
        owed = recoveries._summary(owed_rows[project.id])
        out.append({
            "project_id": project.id,
            "total": format_yuan(project.total),
            "contracts": [{"contract_id": c.id, "lot": c.lot, **ledgers[project.id][c.id].view()} for c in shown],
            "totals": {**total.view(), "outstanding": format_yuan(owed.outstanding)},
            "recoveries": {"ordered": format_yuan(owed.ordered), "received": format_yuan(owed.received),
                           "outstanding": format_yuan(owed.outstanding)},
        })
    return out
