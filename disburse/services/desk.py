"""What the commerce and supervisor desks and the project page read (issue 7; SPEC §1, §10).

Read-only use cases, each one unit of work within the actor's jurisdiction
(services/access.py): the projects with their next deadline, the money per
county, a project's acceptances, and the plan grouped by category as the
seeds' budget tables print it.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, literal, select, union_all

from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    Allocation,
    BudgetLine,
    Contract,
    FundingSource,
    Phase,
    Project,
    RecoveryOrder,
    Region,
)
from disburse.adapters.orm import Payment as PaymentRow
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.roles import PROJECT_READERS, Role
from disburse.domain.states import RECOVERY_OWED, PaymentState, ProjectState
from disburse.services import acceptances, engine, pages, projects
from disburse.services.access import contractor_holds, load_project
from disburse.services.context import Actor
from disburse.services.errors import Forbidden
from disburse.services.scheduling import ACTIVE_STATES
from disburse.services.views import LineView

#: States whose deadlines still matter: the plan is live and not yet finished.
LIVE_STATES = (ProjectState.PLAN_DRAFTED, *ACTIVE_STATES, ProjectState.SUSPENDED)


def _require_reader(actor: Actor) -> None:
    if actor.role not in PROJECT_READERS:
        raise Forbidden(f"the role {actor.role} has no access to projects", audit=True)


def _in_jurisdiction(stmt: Any, actor: Actor) -> Any:
    if actor.role == Role.CONTRACTOR:
        return stmt.where(contractor_holds(actor, Project.id))  # type: ignore[arg-type]
    return stmt.where(Region.path.startswith(actor.region_path))


def desk_projects(db: Database, actor: Actor, *, today: date, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Projects in the jurisdiction, the work waiting first: live projects by their next deadline
    (the nearest phase end or budget-line deadline on or after ``today``, SPEC §10), then the rest."""
    _require_reader(actor)
    dates = union_all(
        select(Phase.project_id.label("pid"), Phase.end.label("due")).where(Phase.end >= today),
        select(BudgetLine.project_id.label("pid"), BudgetLine.deadline.label("due"))
        .where(BudgetLine.deadline >= today),
    ).subquery()
    nearest = select(dates.c.pid, func.min(dates.c.due).label("due")).group_by(dates.c.pid).subquery()
    live = Project.state.in_(LIVE_STATES)
    due = case((live, nearest.c.due), else_=None)
    with db.reading() as tx:
        stmt = _in_jurisdiction(select(Project, due.label("due")).join(Project.region)
                                .outerjoin(nearest, nearest.c.pid == Project.id), actor)
        total = tx.session.scalar(select(func.count()).select_from(
            _in_jurisdiction(select(Project.id).join(Project.region), actor).subquery())) or 0
        rows = tx.session.execute(
            stmt.order_by(case((live, 0), else_=1), case((due.is_(None), 1), else_=0), due, Project.id.desc())
            .offset((page - 1) * per_page).limit(per_page)).unique().all()
        wanted = {p.id: d for p, d in rows if d is not None}
        names: dict[int, dict[str, str]] = {}
        if wanted:
            what = union_all(
                select(Phase.project_id, Phase.end, Phase.name, literal("phase"))
                .where(Phase.project_id.in_(wanted), Phase.end.in_(set(wanted.values()))),
                select(BudgetLine.project_id, BudgetLine.deadline, BudgetLine.category, literal("line"))
                .where(BudgetLine.project_id.in_(wanted), BudgetLine.deadline.in_(set(wanted.values()))),
            )
            for pid, when, name, kind in tx.session.execute(what):
                if wanted.get(pid) == when and pid not in names:
                    names[pid] = {"kind": kind, "name": name}
        items = [
            {"id": p.id, "name": p.name, "region": {"code": p.region.code, "name": p.region.name},
             "state": p.state, "state_label": engine.state_label(projects.workflow(), p.state),
             "total": format_yuan(p.total), "total_wan": format_wan(p.total),
             "next_deadline": None if d is None else {"on": d.isoformat(), "days": (d - today).days,
                                                      **names.get(p.id, {"kind": "line", "name": ""})}}
            for p, d in rows
        ]
        return pages.page(items, total, page, per_page)


def county_totals(db: Database, actor: Actor) -> dict[str, Any]:
    """Per county of the jurisdiction: projects, budget (the plans' totals), contracted and disbursed
    (SPEC §5.3 ledger), summed in the database so the desk stays fast at thousands of projects."""
    _require_reader(actor)
    if actor.role == Role.CONTRACTOR:
        raise Forbidden("contractors see their own contracts, not county totals", audit=True)
    scope = Region.path.startswith(actor.region_path)
    with db.reading() as tx:
        s = tx.session
        budget = s.execute(select(Region.code, Region.name, func.count(Project.id), func.sum(Project.total))
                           .join(Project, Project.region_code == Region.code).where(scope)
                           .group_by(Region.code, Region.name).order_by(Region.code)).all()
        contracted = dict(s.execute(
            select(Project.region_code, func.sum(Contract.amount)).join(Project, Project.id == Contract.project_id)
            .join(Region, Region.code == Project.region_code).where(scope).group_by(Project.region_code)).all())
        disbursed = dict(s.execute(
            select(Project.region_code, func.sum(PaymentRow.amount))
            .join(Project, Project.id == PaymentRow.project_id).join(Region, Region.code == Project.region_code)
            .where(scope, PaymentRow.state == PaymentState.DISBURSED).group_by(Project.region_code)).all())
    items = []
    sums = {"budget": Decimal(0), "contracted": Decimal(0), "disbursed": Decimal(0)}
    for code, name, count, total in budget:
        row = {"budget": Decimal(total or 0), "contracted": Decimal(contracted.get(code) or 0),
               "disbursed": Decimal(disbursed.get(code) or 0)}
        for key, value in row.items():
            sums[key] += value
        items.append({"region": {"code": code, "name": name}, "projects": count,
                      **{k: format_yuan(v) for k, v in row.items()}})
    return {**pages.whole(items), "totals": {k: format_yuan(v) for k, v in sums.items()}}


def project_acceptances(db: Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """The project's acceptances, by contract then in order (a contractor sees its own contracts')."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        rows = tx.session.execute(
            select(Acceptance, Contract).join(Contract, Contract.id == Acceptance.contract_id)
            .where(Acceptance.project_id == project.id).order_by(Acceptance.contract_id, Acceptance.id)).unique()
        items = []
        for acceptance, contract in rows:
            if actor.role == Role.CONTRACTOR and contract.contractor.credit_code != actor.contractor_code:
                continue
            notice = acceptance.notices[-1] if acceptance.notices else None
            items.append({
                "id": acceptance.id, "contract_id": contract.id, "lot": contract.lot,
                "contractor_name": contract.contractor.name, "kind": acceptance.kind, "stage": acceptance.stage,
                "state": acceptance.state,
                "state_label": engine.state_label(acceptances.workflow(), acceptance.state),
                "notice_ends_at": None if notice is None else notice.ends_at.isoformat(),
                "objections": 0 if notice is None else len(notice.objections),
                "updated_at": acceptance.updated_at.isoformat(),
            })
        return pages.whole(items)


def plan_groups(lines: Sequence[LineView], subtotals: Mapping[str, str]) -> list[dict[str, Any]]:
    """The budget lines grouped by category in plan order, as the seeds' tables print them, each group
    with its subtotal: the one the plan prints when it has one, else the sum of the group's amounts
    (``None`` while a line has no amount, as a draft may, SPEC §4)."""
    groups: list[dict[str, Any]] = []
    for line in lines:
        if not groups or groups[-1]["category"] != line.category:
            groups.append({"category": line.category, "lines": []})
        groups[-1]["lines"].append(line)
    for group in groups:
        amounts = [line.amount for line in group["lines"]]
        summed = None if None in amounts else sum((a for a in amounts if a is not None), Decimal(0))
        stated = subtotals.get(group["category"])
        group["subtotal"] = Decimal(stated) if stated is not None else summed
        group["stated"] = group["category"] in subtotals
    return groups


#: The columns of finance's totals, in the order the desk shows them.
FINANCE_COLUMNS = ("budget", "contracted", "arrived", "disbursed", "outstanding")
#: At most this many projects are listed one by one on finance's desk (the totals cover all of them).
FINANCE_PROJECTS_SHOWN = 100
#: The disbursement chart covers this many months, the current one last.
CHART_MONTHS = 12


def _months_back(today: date, n: int) -> list[tuple[int, int]]:
    """The ``n`` months up to and including ``today``'s, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(n):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def finance_overview(db: Database, actor: Actor, *, today: date) -> dict[str, Any]:
    """The finance bureau's figures for its jurisdiction (issue 18 item 9): per project and in total the
    budget (the plans' totals), what is contracted, the funds arrived (allocations, issue 16), what is
    disbursed and the recoveries still outstanding (issue 17); per funding source its budget and the funds
    arrived; and what was disbursed in each of the last twelve months (``disbursed_on`` is a local date,
    so the months are Asia/Shanghai's). Summed in the database: a fixed number of statements however many
    projects there are."""
    _require_reader(actor)
    if actor.role == Role.CONTRACTOR:
        raise Forbidden("contractors see their own contracts, not the finance bureau's figures", audit=True)
    scope = Region.path.startswith(actor.region_path)

    def per_project(amount: Any, table: Any, *where: Any) -> dict[int, Decimal]:
        rows = tx.session.execute(
            select(table.project_id, func.sum(amount)).join(Project, Project.id == table.project_id)
            .join(Region, Region.code == Project.region_code).where(scope, *where).group_by(table.project_id))
        return {pid: Decimal(total or 0) for pid, total in rows}

    def per_source(amount: Any, table: Any) -> dict[str, Decimal]:
        rows = tx.session.execute(
            select(table.source, func.sum(amount)).join(Project, Project.id == table.project_id)
            .join(Region, Region.code == Project.region_code).where(scope).group_by(table.source))
        return {source: Decimal(total or 0) for source, total in rows}

    months = _months_back(today, CHART_MONTHS)
    first = date(months[0][0], months[0][1], 1)
    with db.reading() as tx:
        projects_in = tx.session.execute(
            select(Project.id, Project.name, Project.total, Region.name)
            .join(Region, Region.code == Project.region_code)
            .where(scope, Project.state != ProjectState.WITHDRAWN).order_by(Project.id)).all()
        owed = RecoveryOrder.state.in_(RECOVERY_OWED)
        ordered, received = (per_project(RecoveryOrder.amount, RecoveryOrder, owed),
                             per_project(RecoveryOrder.received, RecoveryOrder, owed))
        figures = {"contracted": per_project(Contract.amount, Contract),
                   "arrived": per_project(Allocation.amount, Allocation),
                   "disbursed": per_project(PaymentRow.amount, PaymentRow, PaymentRow.state == PaymentState.DISBURSED),
                   "outstanding": {pid: amount - received.get(pid, Decimal(0)) for pid, amount in ordered.items()}}
        budget_by_source, arrived_by_source = (per_source(FundingSource.amount, FundingSource),
                                               per_source(Allocation.amount, Allocation))
        by_day = tx.session.execute(
            select(PaymentRow.disbursed_on, func.sum(PaymentRow.amount))
            .join(Project, Project.id == PaymentRow.project_id).join(Region, Region.code == Project.region_code)
            .where(scope, PaymentRow.state == PaymentState.DISBURSED, PaymentRow.disbursed_on >= first,
                   PaymentRow.disbursed_on <= today).group_by(PaymentRow.disbursed_on)).all()
    sums = dict.fromkeys(FINANCE_COLUMNS, Decimal(0))
    rows = []
    for pid, name, total, county in projects_in:
        row = {"budget": Decimal(total or 0), **{k: v.get(pid, Decimal(0)) for k, v in figures.items()}}
        for key in FINANCE_COLUMNS:
            sums[key] += row[key]
        rows.append({"project_id": pid, "name": name, "county": county, **{k: format_yuan(v) for k, v in row.items()}})
    monthly = dict.fromkeys(months, Decimal(0))
    for day, amount in by_day:
        monthly[(day.year, day.month)] += Decimal(amount or 0)
    sources = [{"source": source, "budget": format_yuan(budget_by_source.get(source, Decimal(0))),
                "arrived": format_yuan(arrived_by_source.get(source, Decimal(0)))}
               for source in sorted(set(budget_by_source) | set(arrived_by_source))]
    return {"projects": rows[:FINANCE_PROJECTS_SHOWN], "project_count": len(rows),
            "totals": {k: format_yuan(v) for k, v in sums.items()}, "sources": sources,
            "months": [{"month": f"{y}-{m:02d}", "disbursed": format_yuan(v)} for (y, m), v in monthly.items()]}
