"""Recoveries from any state (资金收回; issue 17, SPEC §13) on the one event engine.

A recovery is ordered by the supervisor or finance — or proposed by an inspector and confirmed by one of
them — in any state of the project after its first disbursement, ``closed`` included (it reopens nothing:
it is tracked and disclosed). It is a receivable: finance records each receipt (amount, date, voucher) until
the receipts add up to the order. Fraud demands everything disbursed on the project or the contract named
(seed 003 §5(1)3); a failed review or evaluation (seed 004 §5(5)4), a default or an audit finding demands the
amount given. The project's ``fail_audit`` orders its recovery here (basis ``failed_evaluation``), fired by
the system in the same transaction. While a fraud recovery is open no payment of the project moves
(``payment_gates.no_fraud_recovery_open``); while anything is outstanding the project cannot close
(``project_guards.no_recovery_outstanding``).

Each receipt is shared among the contracts (the ``recoveries`` rows each contract's ledger reads): all of it
to the contract an order names, else in proportion to what each contract still holds (disbursed less
recovered), exact to the fen.
"""

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from disburse.adapters.db import Database
from disburse.adapters.orm import Document, Project, RecoveryOrder, RecoveryReceipt, RecoveryShare, Region
from disburse.domain.ledger import Ledger, allocate
from disburse.domain.money import format_yuan
from disburse.domain.notice import local_date
from disburse.domain.recovery_guards import BASES, RECOVERY_CHOOSERS, RECOVERY_GUARDS, RecoveryFacts
from disburse.domain.states import (
    RECOVERY_OPEN,
    RECOVERY_ORDERED,
    RECOVERY_OWED,
    ProjectState,
    RecoveryEvent,
    RecoveryState,
)
from disburse.domain.workflow import Functions, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.services import engine
from disburse.services.access import (
    answering_as,
    contract_clause,
    hidden,
    load_contract,
    load_project,
    require_reader,
)
from disburse.services.context import Actor, Origin
from disburse.services.engine import RowState, Step, Target
from disburse.services.ledger import contract_ledgers
from disburse.services.views import ReceiptView, RecoverySummary, RecoveryView

# --- effects (named in workflows/recovery.yaml) -------------------------------------------------------


def record_order(step: Step[RecoveryOrder, RecoveryFacts]) -> None:
    """The order (or the proposal) with what it demands; fraud demands everything still recoverable."""
    recovery, facts = step.entity, step.facts
    assert facts.amount is not None
    recovery.amount = facts.amount
    if step.after == RecoveryState.ORDERED:
        recovery.ordered_by, recovery.ordered_at = step.actor.id, step.now
    else:
        recovery.proposed_by = step.actor.id
    step.facts = replace(facts, state=step.after)
    step.record.update(basis=recovery.basis, amount=format_yuan(recovery.amount), contract_id=recovery.contract_id,
                       disbursed=format_yuan(facts.disbursed), reason=recovery.reason,
                       document_id=recovery.document_id, project_state=recovery.project_state)


def record_dismissal(step: Step[RecoveryOrder, RecoveryFacts]) -> None:
    """A proposal dismissed, with the note saying why."""
    step.entity.note, step.entity.ordered_by = step.data.get("note"), step.actor.id


def record_receipt(step: Step[RecoveryOrder, RecoveryFacts]) -> None:
    """Money received back: the receipt, shared among the contracts so each ledger shows it."""
    recovery, data = step.entity, step.data
    amount, on, voucher = data["amount"], data["received_on"], str(data["voucher_no"]).strip()
    receipt = step.add(RecoveryReceipt(recovery_id=recovery.id, project_id=recovery.project_id, amount=amount,
                                       received_on=on, voucher_no=voucher, recorded_by=step.actor.id,
                                       created_at=step.now))
    ledgers: dict[int, Ledger] = step.target.parents["ledgers"]
    reserved: dict[int, Decimal] = step.target.parents["reserved"]
    if recovery.contract_id is not None:
        shares = {recovery.contract_id: amount}
    else:  # what a contract still holds, less what orders naming it are still owed (theirs to take)
        ids = sorted(ledgers)
        room = [max(ledgers[i].disbursed - ledgers[i].recovered - reserved.get(i, Decimal(0)), Decimal(0))
                for i in ids]
        shares = dict(zip(ids, allocate(amount, room), strict=True))
    recovery.received += amount
    for contract_id, share in shares.items():
        if share:
            step.add(RecoveryShare(project_id=recovery.project_id, contract_id=contract_id, receipt=receipt,
                                   amount=share, recovered_on=on))
    step.facts = replace(step.facts, state=step.after, received=recovery.received)
    step.record.update(amount=format_yuan(amount), received_on=on.isoformat(), voucher_no=voucher,
                       received=format_yuan(recovery.received),
                       outstanding=format_yuan(recovery.amount - recovery.received),
                       allocation={str(k): format_yuan(v) for k, v in shares.items() if v},
                       receipt_id=lambda: receipt.id)


EFFECTS = {f.__name__: f for f in (record_order, record_dismissal, record_receipt)}


@cache
def workflow() -> Workflow[RecoveryFacts, Step[RecoveryOrder, RecoveryFacts]]:
    """The recovery workflow, loaded once from ``workflows/recovery.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "recovery.yaml",
                         Functions(RecoveryState, RecoveryEvent, RECOVERY_GUARDS, RECOVERY_CHOOSERS, EFFECTS))


def new_order(project: Project, data: Mapping[str, Any], now: datetime) -> RecoveryOrder:
    """A recovery of the project as asked for (what it demands is settled by its facts when it is fired)."""
    return RecoveryOrder(project_id=project.id, contract_id=data.get("contract_id"), basis=data.get("basis"),
                         amount=data.get("amount") or Decimal(0), received=Decimal(0), reason=data.get("reason"),
                         document_id=data.get("document_id"), state=workflow().initial, project_state=project.state,
                         created_at=now, updated_at=now)


class RecoverySubject(RowState[RecoveryOrder, RecoveryFacts]):
    """The recovery workflow's part of the event path (:mod:`disburse.services.engine`)."""

    kind = "recovery"

    def workflow(self) -> Workflow[RecoveryFacts, Step[RecoveryOrder, RecoveryFacts]]:
        return workflow()

    def load(self, session: Session, actor: Actor, ident: int, *, lock: bool) -> Target[RecoveryOrder]:
        """The recovery under a lock on its project (a contractor: one naming its own contract only)."""
        require_reader(actor)
        with answering_as("recovery", ident):
            found = session.execute(select(RecoveryOrder.project_id, RecoveryOrder.contract_id)
                                    .where(RecoveryOrder.id == ident)).first()
            if found is None:
                raise hidden("recovery", ident)
            if found.contract_id is not None:
                project = load_contract(session, actor, found.contract_id, lock=lock)[1]
            else:
                project = load_project(session, actor, found.project_id, lock=lock)
                if actor.role == "contractor":
                    raise hidden("recovery", ident, audit=True)
        stmt = select(RecoveryOrder).where(RecoveryOrder.id == ident)
        recovery = session.scalar(stmt.with_for_update(of=RecoveryOrder) if lock else stmt)
        assert recovery is not None
        return Target(recovery, project)

    def new(self, session: Session, actor: Actor, parent: int, data: Mapping[str, Any],
            now: datetime) -> Target[RecoveryOrder]:
        """A recovery of the project ``parent`` (locked: payments and other orders wait)."""
        project = load_project(session, actor, parent, lock=True)
        return Target(new_order(project, data, now), project)

    def facts(self, session: Session, target: Target[RecoveryOrder], actor: Actor, data: Mapping[str, Any],
              now: datetime) -> RecoveryFacts:
        recovery, project = target.entity, target.project
        ledgers = target.parents["ledgers"] = contract_ledgers(session, project.id)
        others = [(c, a) for c, a in session.execute(
            select(RecoveryOrder.contract_id, RecoveryOrder.amount).where(
                RecoveryOrder.project_id == project.id, RecoveryOrder.state.in_(RECOVERY_ORDERED),
                RecoveryOrder.id != (recovery.id or 0)))]
        reserved = target.parents["reserved"] = {}
        for c, a, r in session.execute(
                select(RecoveryOrder.contract_id, RecoveryOrder.amount, RecoveryOrder.received).where(
                    RecoveryOrder.project_id == project.id, RecoveryOrder.state.in_(RECOVERY_OWED),
                    RecoveryOrder.contract_id.is_not(None), RecoveryOrder.id != (recovery.id or 0))):
            reserved[c] = reserved.get(c, Decimal(0)) + a - r
        project_disbursed = sum((ledger.disbursed for ledger in ledgers.values()), Decimal(0))
        recoverable = project_disbursed - sum((a for _, a in others), Decimal(0))
        disbursed, contract_found = project_disbursed, True
        if recovery.contract_id is not None:
            contract_found = recovery.contract_id in ledgers
            disbursed = ledgers[recovery.contract_id].disbursed if contract_found else Decimal(0)
            on_contract = disbursed - sum((a for c, a in others if c == recovery.contract_id), Decimal(0))
            recoverable = min(recoverable, on_contract)
        document_found = recovery.document_id is None or session.scalar(
            select(Document.project_id).where(Document.id == recovery.document_id)) == project.id
        creating = recovery.id is None
        given = data.get("amount") if creating else None
        # fraud demands everything still recoverable, whatever was given, when ordered or confirmed
        fraud_now = recovery.basis == "fraud" and (creating or recovery.state == RecoveryState.PROPOSED)
        amount = max(recoverable, Decimal(0)) if fraud_now else (given if creating else recovery.amount)
        return RecoveryFacts(
            basis=recovery.basis, amount=amount, given=given, disbursed=disbursed, recoverable=recoverable,
            actor_role=actor.role, state=recovery.state,
            contract_id=recovery.contract_id, contract_found=contract_found, document_found=document_found,
            received=recovery.received or Decimal(0), today=local_date(now), data=dict(data))

    def view(self, session: Session, step: Step[RecoveryOrder, RecoveryFacts], allowed: list[str]) -> RecoveryView:
        return recovery_view(session, step.entity, allowed)


SUBJECT = RecoverySubject()


def recovery_view(session: Session, recovery: RecoveryOrder, allowed: list[str]) -> RecoveryView:
    receipts = session.scalars(select(RecoveryReceipt).where(RecoveryReceipt.recovery_id == recovery.id)
                               .order_by(RecoveryReceipt.id))
    return RecoveryView(
        id=recovery.id, project_id=recovery.project_id, contract_id=recovery.contract_id, basis=recovery.basis,
        basis_label=BASES[recovery.basis], amount=recovery.amount, received=recovery.received,
        outstanding=recovery.amount - recovery.received if recovery.state in RECOVERY_OWED else Decimal(0),
        reason=recovery.reason, document_id=recovery.document_id, state=recovery.state,
        state_label=engine.state_label(workflow(), recovery.state), project_state=recovery.project_state,
        after_closure=recovery.project_state == ProjectState.CLOSED, proposed_by=recovery.proposed_by,
        ordered_by=recovery.ordered_by, ordered_at=recovery.ordered_at, note=recovery.note,
        receipts=tuple(ReceiptView(r.id, r.amount, r.received_on, r.voucher_no, r.recorded_by, r.created_at)
                       for r in receipts),
        allowed_events=tuple(allowed), created_at=recovery.created_at, updated_at=recovery.updated_at)


# --- what the other workflows read ----------------------------------------------------------------


def _visible(session: Session, actor: Actor | None, project_id: int) -> list[RecoveryOrder]:
    stmt = select(RecoveryOrder).where(RecoveryOrder.project_id == project_id)
    if actor is not None and actor.role == "contractor":
        stmt = stmt.where(RecoveryOrder.contract_id.is_not(None), contract_clause(actor, RecoveryOrder.contract_id))
    return list(session.scalars(stmt.order_by(RecoveryOrder.id)))


def _summary(rows: Iterable[tuple[str, Decimal, Decimal]]) -> RecoverySummary:
    """From each recovery's (state, amount, received): what was ordered, received and is still owed."""
    ordered = [(state, amount, received) for state, amount, received in rows if state in RECOVERY_ORDERED]
    return RecoverySummary(
        ordered=sum((amount for _, amount, _ in ordered), Decimal(0)),
        received=sum((received for _, _, received in ordered), Decimal(0)),
        outstanding=sum((amount - received for state, amount, received in ordered if state in RECOVERY_OWED),
                        Decimal(0)))


def summary_of_views(views: Iterable[RecoveryView]) -> RecoverySummary:
    """The figures of the recoveries shown (a contractor's: those naming its own contracts)."""
    return _summary((v.state, v.amount, v.received) for v in views)


def summary(session: Session, project_id: int) -> RecoverySummary:
    """The project's recoveries in figures."""
    rows = session.execute(select(RecoveryOrder.state, RecoveryOrder.amount, RecoveryOrder.received)
                           .where(RecoveryOrder.project_id == project_id))
    return _summary((state, amount, received) for state, amount, received in rows)


def views_of(session: Session, project_id: int, actor: Actor) -> tuple[RecoveryView, ...]:
    """Every recovery of the project the actor may see, oldest first, with no events (lists)."""
    return tuple(recovery_view(session, r, []) for r in _visible(session, actor, project_id))


def outstanding(session: Session, project_id: int) -> Decimal:
    """What is still owed on the project's recoveries (a project owing anything cannot close)."""
    return summary(session, project_id).outstanding


def open_fraud_sql(project_id: Any) -> Any:
    """SQL of the project's open fraud recovery, if any (a scalar subquery: a payment step reads it with its
    other figures in one statement)."""
    return select(RecoveryOrder.id).where(
        RecoveryOrder.project_id == project_id, RecoveryOrder.basis == "fraud",
        RecoveryOrder.state.in_(RECOVERY_OPEN)).order_by(RecoveryOrder.id).limit(1).scalar_subquery()


def open_fraud(session: Session, project_id: int) -> int | None:
    """The project's open fraud recovery, if any: while it stands no payment of the project moves."""
    return session.scalar(select(open_fraud_sql(project_id)))


# --- use cases -----------------------------------------------------------------------------------


def owed_in_jurisdiction(db: Database, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
    """The recoveries still owed in the actor's region subtree, the oldest order first (finance's desk: what is
    to be received back)."""
    require_reader(actor)
    with db.reading() as tx:
        rows = tx.session.execute(
            select(RecoveryOrder, Project.name).join(Project, Project.id == RecoveryOrder.project_id)
            .join(Region, Region.code == Project.region_code)
            .where(RecoveryOrder.state.in_(RECOVERY_OWED), Region.path.startswith(actor.region_path))
            .order_by(RecoveryOrder.ordered_at, RecoveryOrder.id).limit(limit)).all()
        return [{"view": recovery_view(tx.session, r, []), "project_name": name} for r, name in rows]


def order(db: Database, actor: Actor, origin: Origin, project_id: int, data: Mapping[str, Any],
          now: datetime) -> RecoveryView:
    """Order a recovery (the supervisor or finance) or propose one (an inspector)."""
    result: RecoveryView = engine.create(db, SUBJECT, actor, origin, project_id, data, now)[1]
    return result


def fire_event(db: Database, actor: Actor, origin: Origin, recovery_id: int, event: str,
               data: Mapping[str, Any], now: datetime) -> RecoveryView:
    """Confirm or dismiss a proposal; record a receipt."""
    result: RecoveryView = engine.fire(db, SUBJECT, actor, origin, recovery_id, event, data, now)[1]
    return result


def get_recovery(db: Database, actor: Actor, recovery_id: int, now: datetime) -> RecoveryView:
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, recovery_id, lock=False)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now)
        return recovery_view(tx.session, target.entity,
                             engine.allowed(workflow(), actor, target.entity.state, facts))


def explain_event(db: Database, actor: Actor, recovery_id: int, event: str, now: datetime) -> dict[str, Any]:
    """``GET /recoveries/{id}/events/{event}``: may the actor fire it now, and if not, why (and what the page
    asks before it fires)."""
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, recovery_id, lock=False)  # outside the jurisdiction: 404 first
        spec = engine.spec_of(workflow(), event)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now)
        return engine.explanation(workflow(), spec, actor, target.entity.state, facts)


def actions(db: Database, actor: Actor, recovery_id: int, now: datetime) -> list[dict[str, Any]]:
    """The recovery events of the actor's role from its state, each allowed or with why not (the UI)."""
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, recovery_id, lock=False)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now)
        return engine.actions(workflow(), actor, target.entity.state, facts)


def list_recoveries(db: Database, actor: Actor, project_id: int) -> list[RecoveryView]:
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        return list(views_of(tx.session, project.id, actor))


def may_order(actor: Actor) -> bool:
    """Whether the actor's role may order or propose recoveries at all (the ``order`` transition's roles)."""
    return actor.role in workflow().creation().roles and actor.role != "system"
