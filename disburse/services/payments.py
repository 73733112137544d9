"""Payments (拨付): request, verify, approve, disburse — gated at every step (SPEC §5.3).

Every use case locks the project and then the contract (``SELECT … FOR UPDATE``
on PostgreSQL; ``BEGIN IMMEDIATE`` already serialises writers on SQLite), reads
the facts under the lock, checks every gate again, and writes the change, its
audit entry and its idempotency record in one transaction.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import Acceptance, Contract, Contractor, Payment, Project, Region, VoucherNumber, utcnow
from disburse.domain.ledger import EMPTY
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.notice import local_date
from disburse.domain.payment_gates import PAYMENT_GUARDS, AcceptanceRef, OtherPayment, PaymentFacts, voucher_key
from disburse.domain.roles import Role
from disburse.domain.workflow import TransitionSpec, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.services import audit, events, idempotency, pages
from disburse.services.access import (
    answering_as,
    jurisdiction_clause,
    load_contract,
    load_payment,
    load_project,
    visible_contracts,
)
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid, NotFound
from disburse.services.idempotency import Idem
from disburse.services.ledger import contract_ledgers

REQUESTERS = frozenset({Role.CONTRACTOR, Role.COMMERCE})
STEP_OF = {"verify": "verified_by", "approve": "approved_by", "disburse": "disbursed_by", "reject": "rejected_by"}


@cache
def workflow() -> Workflow[PaymentFacts]:
    """The payment workflow, loaded once from ``workflows/payment.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "payment.yaml", PAYMENT_GUARDS)


def _lock(session: Session, actor: Actor, contract_id: int) -> tuple[Contract, Project]:
    """Lock the project, then the contract (one order everywhere, so no deadlock)."""
    contract, project = load_contract(session, actor, contract_id, lock=True)
    locked = session.scalar(select(Contract).where(Contract.id == contract.id).with_for_update(of=Contract)
                            .execution_options(populate_existing=True))
    assert locked is not None
    return locked, project


def _facts(session: Session, contract: Contract, project: Project, *, kind: str, amount: Decimal,
           acceptance_id: int | None, actor: Actor, payment: Payment | None = None,
           data: Mapping[str, Any] | None = None) -> PaymentFacts:
    rules = rulesets.load(project.rule_set)
    others = tuple(
        OtherPayment(p.id, p.kind, p.amount, p.state, p.acceptance_id)
        for p in session.scalars(select(Payment).where(Payment.contract_id == contract.id))
        if payment is None or p.id != payment.id)
    acceptance = None
    if acceptance_id is not None:
        a = session.get(Acceptance, acceptance_id)
        if a is not None:
            acceptance = AcceptanceRef(a.id, a.contract_id, a.kind, a.stage, a.state,
                                       sum((v.accepted_amount for v in a.verdicts), Decimal(0)), a.verdict_by)
    final_ok = session.scalar(select(Acceptance.id).where(
        Acceptance.contract_id == contract.id, Acceptance.kind == "final", Acceptance.state == "approved")) is not None
    contracts_total = sum(session.scalars(select(Contract.amount).where(Contract.project_id == project.id)),
                          Decimal(0))
    steps = {} if payment is None else {"request": payment.requested_by, "verify": payment.verified_by,
                                        "approve": payment.approved_by, "disburse": payment.disbursed_by}
    return PaymentFacts(
        kind=kind, amount=amount, contract_id=contract.id, contract_amount=contract.amount,
        advance_share=Decimal(contract.advance_share),
        stage_shares=tuple(Decimal(s["share"]) for s in contract.stages),
        advance_cap=rules.advance_cap, advance_clause=rules.advance_clause, project_state=project.state,
        project_total=project.total, contracts_total=contracts_total, others=others, acceptance=acceptance,
        final_acceptance_approved=final_ok, payment_id=None if payment is None else payment.id,
        actor_id=actor.id, steps=steps, data=dict(data or {}),
    )


def request_payment(db: Database, actor: Actor, origin: Origin, contract_id: int, data: Mapping[str, Any],
                    idem: Idem | None = None, *, now: datetime | None = None) -> tuple[int, dict[str, Any]]:
    """Request a payment on a contract; every gate must hold now. Returns (status, payment).

    ``now`` is the app's clock; the scheduler measures how long a payment waits from it.
    """
    at = now or utcnow()
    return idempotency.guarded(db, actor, idem, lambda: _request(db, actor, origin, contract_id, data, idem, at))


def _request(db: Database, actor: Actor, origin: Origin, contract_id: int, data: Mapping[str, Any],
             idem: Idem | None, now: datetime) -> tuple[int, dict[str, Any]]:
    with db.writing() as tx:
        contract, project = _lock(tx.session, actor, contract_id)
        stored = idempotency.replay(tx.session, actor, idem)
        if stored is not None:
            return stored
        if actor.role not in REQUESTERS:
            raise Forbidden(f"the role {actor.role} may not request payments", audit=True)
        kind, acceptance_id = data["kind"], data.get("acceptance_id")
        if kind == "advance" and acceptance_id is not None:
            raise Invalid("invalid payment", {"acceptance_id": ["an advance relies on no acceptance"]})
        if kind == "stage" and acceptance_id is None:
            raise Invalid("invalid payment", {"acceptance_id": ["a stage payment names its stage acceptance"]})
        if kind == "final":
            final_id = tx.session.scalar(select(Acceptance.id).where(
                Acceptance.contract_id == contract.id, Acceptance.kind == "final"))
            if acceptance_id is not None and acceptance_id != final_id:
                raise Invalid("invalid payment", {"acceptance_id": [
                    "a final payment relies on its contract's final acceptance"
                    + (f" ({final_id})" if final_id else "; there is none yet")]})
            acceptance_id = final_id
        facts = _facts(tx.session, contract, project, kind=kind, amount=data["amount"],
                       acceptance_id=acceptance_id, actor=actor)
        unmet = workflow().gate_unmet(facts)
        if unmet:
            raise Conflict(f"the payment cannot be requested: {len(unmet)} condition(s) unmet", unmet)
        payment = Payment(contract_id=contract.id, project_id=project.id, kind=kind, amount=data["amount"],
                          acceptance_id=acceptance_id, state=workflow().initial, note=data.get("note"),
                          requested_by=actor.id, created_at=now, updated_at=now)
        tx.session.add(payment)
        tx.session.flush()
        audit_log.append(tx.session, action="payment.request", actor=actor, origin=origin, entity_type="payment",
                         entity_id=payment.id, project_id=project.id, to_state=payment.state, note=data.get("note"),
                         data={"contract_id": contract.id, "kind": kind, "amount": format_yuan(payment.amount),
                               "acceptance_id": acceptance_id})
        view = payment_view(tx.session, payment, actor, contract, project, _after(facts, payment))
        idempotency.remember(tx.session, actor, idem, 201, view)
        tx.commit()
        return 201, view


def fire_event(db: Database, actor: Actor, origin: Origin, payment_id: int, event: str, data: Mapping[str, Any],
               idem: Idem | None = None, *, now: datetime | None = None) -> tuple[int, dict[str, Any]]:
    """A step of the payment: every gate is checked again under the lock. Returns (status, payment)."""
    spec = events.spec_of(workflow(), event)
    at = now or utcnow()
    return idempotency.guarded(db, actor, idem, lambda: _step(db, actor, origin, payment_id, spec, data, idem, at))


def _step(db: Database, actor: Actor, origin: Origin, payment_id: int, spec: TransitionSpec,
          data: Mapping[str, Any], idem: Idem | None, now: datetime) -> tuple[int, dict[str, Any]]:
    event = spec.trigger
    with db.writing() as tx:
        with answering_as("payment", payment_id):
            contract_id = tx.session.scalar(select(Payment.contract_id).where(Payment.id == payment_id))
            if contract_id is None:
                raise NotFound(f"no payment {payment_id}")
            contract, project = _lock(tx.session, actor, contract_id)
        payment = tx.session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update(of=Payment)
                                    .execution_options(populate_existing=True))
        assert payment is not None
        stored = idempotency.replay(tx.session, actor, idem)
        if stored is not None:
            return stored
        facts = _facts(tx.session, contract, project, kind=payment.kind, amount=payment.amount,
                       acceptance_id=payment.acceptance_id, actor=actor, payment=payment, data=data)
        if event == "disburse":
            facts = _disbursement_facts(tx.session, facts, payment, project, data, now)
        events.check(workflow(), spec, actor, payment.state, data, facts)
        before = payment.state
        after = workflow().target(spec, payment.state, facts)
        record = _apply(payment, actor, spec.trigger, data)
        if event == "disburse":
            tx.session.add(VoucherNumber(region_code=project.region_code, voucher_key=voucher_key(payment.voucher_no),
                                         payment_id=payment.id))
        payment.state, payment.updated_at = after, now
        audit_log.append(tx.session, action=f"payment.{event}", actor=actor, origin=origin, entity_type="payment",
                         entity_id=payment.id, project_id=project.id, from_state=before, to_state=after,
                         data=record, note=data.get("note"))
        view = payment_view(tx.session, payment, actor, contract, project, _after(facts, payment))
        idempotency.remember(tx.session, actor, idem, 200, view)
        tx.commit()
        return 200, view


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
                   approved_on=local_date(payment.updated_at) if payment.state == "approved" else None,
                   voucher_taken_by=None if taken == payment.id else taken)


def _after(facts: PaymentFacts, payment: Payment) -> PaymentFacts:
    """The facts after a step, for the response: read under the same locks, so only the payment itself
    changed (the other payments, the acceptance and the contracts did not); saves reading them again."""
    return replace(facts, payment_id=payment.id, data={},
                   steps={"request": payment.requested_by, "verify": payment.verified_by,
                          "approve": payment.approved_by, "disburse": payment.disbursed_by})


def _apply(payment: Payment, actor: Actor, event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Who did the step, and for a disbursement its voucher (支付凭证号) and date."""
    record: dict[str, Any] = {"amount": format_yuan(payment.amount), "kind": payment.kind,
                              "contract_id": payment.contract_id}
    if event in STEP_OF:
        setattr(payment, STEP_OF[event], actor.id)
    if event == "disburse":
        payment.voucher_no, payment.disbursed_on = data["voucher_no"], data["disbursed_on"]
        record.update(voucher_no=payment.voucher_no, disbursed_on=payment.disbursed_on.isoformat())
    return record


def explain_event(db: Database, actor: Actor, payment_id: int, event: str) -> dict[str, Any]:
    spec = events.spec_of(workflow(), event)
    with db.reading() as tx:
        payment, contract, project = _load(tx.session, actor, payment_id)
        facts = _facts(tx.session, contract, project, kind=payment.kind, amount=payment.amount,
                       acceptance_id=payment.acceptance_id, actor=actor, payment=payment)
        return events.explanation(workflow(), spec, actor, payment.state, facts)


def actions(db: Database, actor: Actor, payment_id: int) -> list[dict[str, Any]]:
    """The payment events of the actor's role from its state, each allowed or with why not (the UI)."""
    with db.reading() as tx:
        payment, contract, project = _load(tx.session, actor, payment_id)
        facts = _facts(tx.session, contract, project, kind=payment.kind, amount=payment.amount,
                       acceptance_id=payment.acceptance_id, actor=actor, payment=payment)
        return events.actions(workflow(), actor, payment.state, facts)


def _load(session: Session, actor: Actor, payment_id: int) -> tuple[Payment, Contract, Project]:
    return load_payment(session, actor, payment_id)


def payment_view(session: Session, payment: Payment, actor: Actor, contract: Contract,
                 project: Project, facts: PaymentFacts | None = None) -> dict[str, Any]:
    """A payment as the API returns it; ``facts`` when the caller has just read them under its locks."""
    if facts is None:
        facts = _facts(session, contract, project, kind=payment.kind, amount=payment.amount,
                       acceptance_id=payment.acceptance_id, actor=actor, payment=payment)
    return {
        "id": payment.id,
        "contract_id": payment.contract_id,
        "project_id": payment.project_id,
        "kind": payment.kind,
        "amount": format_yuan(payment.amount),
        "acceptance_id": payment.acceptance_id,
        "state": payment.state,
        "state_label": events.state_label(workflow(), payment.state),
        "note": payment.note,
        "requested_by": payment.requested_by,
        "verified_by": payment.verified_by,
        "approved_by": payment.approved_by,
        "disbursed_by": payment.disbursed_by,
        "voucher_no": payment.voucher_no,
        "disbursed_on": None if payment.disbursed_on is None else payment.disbursed_on.isoformat(),
        "allowed_events": events.allowed(workflow(), actor, payment.state, facts),
        "created_at": payment.created_at.isoformat(),
        "updated_at": payment.updated_at.isoformat(),
    }


def get_payment(db: Database, actor: Actor, payment_id: int) -> dict[str, Any]:
    with db.reading() as tx:
        payment, contract, project = _load(tx.session, actor, payment_id)
        return payment_view(tx.session, payment, actor, contract, project)


def list_payments(db: Database, actor: Actor, contract_id: int) -> dict[str, Any]:
    with db.reading() as tx:
        contract, project = load_contract(tx.session, actor, contract_id)
        rows = tx.session.scalars(select(Payment).where(Payment.contract_id == contract.id).order_by(Payment.id))
        return pages.whole([payment_view(tx.session, p, actor, contract, project) for p in rows])


#: What waits for each role: commerce verifies requests; finance approves and disburses.
AWAITING = {Role.COMMERCE: ("requested",), Role.FINANCE: ("verified", "approved")}
#: Up to this many projects in a jurisdiction, the queue looks their payments up by project id (an
#: index lookup per project) instead of scanning every waiting payment of the country.
BY_PROJECT_LIMIT = 2000


def _jurisdiction_projects(session: Session, actor: Actor) -> list[int] | None:
    """The ids of the projects in the actor's jurisdiction, or None if there are very many."""
    ids = session.scalars(select(Project.id).join(Region, Region.code == Project.region_code)
                          .where(Region.path.startswith(actor.region_path)).limit(BY_PROJECT_LIMIT + 1)).all()
    return None if len(ids) > BY_PROJECT_LIMIT else list(ids)


def approval_queue(db: Database, actor: Actor, *, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Payments waiting for the actor's role in its jurisdiction, the longest-waiting first (SPEC §1)."""
    states = AWAITING.get(actor.role)  # type: ignore[call-overload]
    if not states:
        raise Forbidden(f"nothing waits for the role {actor.role}", audit=True)
    with db.reading() as tx:
        project_ids = _jurisdiction_projects(tx.session, actor)
        if project_ids is not None:
            where: tuple[Any, ...] = (Payment.state.in_(states), Payment.project_id.in_(project_ids))
            joined = select(func.count()).select_from(Payment)
        else:
            where = (Payment.state.in_(states), Region.path.startswith(actor.region_path))
            joined = (select(func.count()).select_from(Payment).join(Project, Project.id == Payment.project_id)
                      .join(Region, Region.code == Project.region_code))
        base = (select(Payment, Project.name, Contract.lot).join(Project, Project.id == Payment.project_id)
                .join(Region, Region.code == Project.region_code).join(Contract, Contract.id == Payment.contract_id)
                .where(*where))
        total = tx.session.scalar(joined.where(*where)) or 0
        rows = tx.session.execute(base.order_by(Payment.updated_at, Payment.id)
                                  .offset((page - 1) * per_page).limit(per_page)).all()
        items = [{"id": p.id, "project_id": p.project_id, "project_name": name, "contract_id": p.contract_id,
                  "lot": lot, "kind": p.kind, "amount": format_yuan(p.amount), "amount_wan": format_wan(p.amount),
                  "state": p.state, "waiting_since": p.updated_at.isoformat()} for p, name, lot in rows]
        return pages.page(items, total, page, per_page)


def project_ledger(db: Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """Per contract and in total: contracted, requested, in flight, approved, disbursed, remaining, recovered."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        ledgers = contract_ledgers(tx.session, project.id)
        contracts = visible_contracts(tx.session, actor, project.id)
        total = sum((ledgers[c.id] for c in contracts), EMPTY)
        return {
            "project_id": project.id,
            "total": format_yuan(project.total),
            "contracts": [{"contract_id": c.id, "lot": c.lot, **ledgers[c.id].view()} for c in contracts],
            "totals": total.view(),
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
                  "state_label": events.state_label(workflow(), p.state), "created_at": p.created_at.isoformat(),
                  "updated_at": p.updated_at.isoformat()} for p, name, lot in rows]
        return pages.page(items, total, page, per_page)


def history(db: Database, actor: Actor, payment_id: int) -> list[dict[str, Any]]:
    """The payment's steps from the audit log, in order: who requested, verified, approved, disbursed, and when."""
    with db.reading() as tx:
        payment, _, project = _load(tx.session, actor, payment_id)
        return audit.entity_history(tx.session, project.id, "payment", payment.id)
