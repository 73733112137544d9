"""Funds as they arrive (资金下达/到位; issue 16).

The central funds of a project reach the county in tranches — seed 003 §5(1)4: what has arrived is
arranged now, the rest later by the same shares; seed 000 §2(5) (项目资金): 首款结余 150万 and 尾款 500万. The
finance bureau records each arrival: the document that allocated it (文号), the funding source of the plan
it belongs to, the amount and the day it arrived. Per source the arrivals stay within what the plan
budgets. Where the rule set says so (``payment.within_arrived_funds``), a payment is approved and disbursed
only within the funds arrived (:func:`disburse.domain.payment_gates.within_arrived_funds`).
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import Allocation, Money, Project
from disburse.domain.citations import KEPING, XX_COUNTY, cite, cites
from disburse.domain.money import amount_en, amount_zh, format_yuan
from disburse.domain.notice import local_date
from disburse.domain.roles import Role
from disburse.domain.states import ProjectState
from disburse.domain.unmet import Unmet
from disburse.services.access import load_project
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid
from disburse.services.views import AllocationView, FundsView, SourceFunds

#: Funds arrive for a filed plan; a draft has none yet, a withdrawn one never will.
RECEIVING = frozenset(ProjectState) - {ProjectState.PLAN_DRAFTED, ProjectState.WITHDRAWN}
CLAUSE = cites(cite(XX_COUNTY, "五(一)4"), cite(KEPING, "附件 二(五)"))


def arrived_sql(project_id: Any) -> Any:
    """SQL of everything arrived for the project, all sources (a scalar subquery: a step reads it beside its
    other figures in one statement)."""
    return select(type_coerce(func.coalesce(func.sum(Allocation.amount), 0), Money)).where(
        Allocation.project_id == project_id).scalar_subquery()


def arrived_total(session: Session, project_id: int) -> Decimal:
    """Everything arrived for the project, all sources."""
    return session.scalar(select(arrived_sql(project_id))) or Decimal(0)


def record(db: Database, actor: Actor, origin: Origin, project_id: int, data: Mapping[str, Any],
           now: datetime) -> AllocationView:
    """Record funds arrived for the project (the finance bureau)."""
    if actor.role != Role.FINANCE:
        raise Forbidden(f"the role {actor.role} may not record funds arrived", audit=True)
    with db.writing() as tx:
        project = load_project(tx.session, actor, project_id, lock=True)
        if project.state not in RECEIVING:
            unmet = Unmet("plan_not_filed", "方案尚未报备，不能登记资金到位",
                          "The plan is not filed; no funds arrive for it yet", CLAUSE)
            raise Conflict(unmet.en, [unmet])
        planned = {f.source: f.amount for f in project.funding}
        source, amount, arrived_on = data["source"], data["amount"], data["arrived_on"]
        errors: dict[str, list[str]] = {}
        if source not in planned:
            errors["source"] = [f"not a funding source of the plan ({'、'.join(planned)}) (不是方案中的资金来源)"]
        if amount <= 0:
            errors["amount"] = ["must be more than zero (金额须大于零)"]
        if arrived_on > local_date(now):
            errors["arrived_on"] = [f"{arrived_on.isoformat()} is after today (到位日期晚于今天)"]
        if errors:
            raise Invalid("invalid allocation", errors)
        before = sum(tx.session.scalars(select(Allocation.amount).where(
            Allocation.project_id == project.id, Allocation.source == source)), Decimal(0))
        if before + amount > planned[source]:
            unmet = Unmet("allocation_above_plan",
                          f"资金来源“{source}”已到位 {amount_zh(before)}，再到位 {amount_zh(amount)} "
                          f"将超过方案安排的 {amount_zh(planned[source])}",
                          f"'{source}' has {amount_en(before)} arrived; {amount_en(amount)} more would exceed "
                          f"the {amount_en(planned[source])} the plan budgets", CLAUSE)
            raise Conflict(unmet.en, [unmet])
        allocation = Allocation(project_id=project.id, doc_no=data["doc_no"], source=source, amount=amount,
                                arrived_on=arrived_on, recorded_by=actor.id, recorded_at=now)
        tx.session.add(allocation)
        tx.session.flush()
        audit_log.append(tx.session, action="allocation.record", actor=actor, origin=origin,
                         entity_type="allocation", entity_id=allocation.id, project_id=project.id,
                         data={"doc_no": allocation.doc_no, "source": source, "amount": format_yuan(amount),
                               "arrived_on": arrived_on.isoformat()}, at=now)
        tx.commit()
        return view(allocation)


def view(allocation: Allocation) -> AllocationView:
    return AllocationView(id=allocation.id, project_id=allocation.project_id, doc_no=allocation.doc_no,
                          source=allocation.source, amount=allocation.amount, arrived_on=allocation.arrived_on,
                          recorded_by=allocation.recorded_by, recorded_at=allocation.recorded_at)


def funds_of(session: Session, project: Project) -> FundsView:
    """Per funding source of the plan: budgeted, arrived and to come; every arrival, oldest first."""
    rows = list(session.scalars(select(Allocation).where(Allocation.project_id == project.id)
                                .order_by(Allocation.arrived_on, Allocation.id)))
    arrived: dict[str, Decimal] = {}
    for row in rows:
        arrived[row.source] = arrived.get(row.source, Decimal(0)) + row.amount
    sources = tuple(SourceFunds(f.source, f.amount, arrived.get(f.source, Decimal(0))) for f in project.funding)
    return FundsView(sources=sources, allocations=tuple(view(r) for r in rows),
                     planned=sum((s.planned for s in sources), Decimal(0)),
                     arrived=sum((r.amount for r in rows), Decimal(0)))


def funds(db: Database, actor: Actor, project_id: int) -> FundsView:
    """The project's funds (the bureaus' business: a contractor sees its own contracts' figures only)."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        if actor.role == Role.CONTRACTOR:
            raise Forbidden("a contractor does not read the project's funds", audit=True)
        return funds_of(tx.session, project)
