"""What the commerce and supervisor desks and the project page read (issue 7; SPEC §1, §10).

Read-only use cases, each one unit of work within the actor's jurisdiction
(services/access.py): the projects with their next deadline, the money per
county, a project's acceptances, and the plan grouped by category as the
seeds' budget tables print it.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session, selectinload

from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    Allocation,
    BudgetLine,
    Contract,
    FundingSource,
    Notice,
    Phase,
    Project,
    RecoveryOrder,
    Region,
)
from disburse.adapters.orm import Payment as PaymentRow
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.notice import local_date
from disburse.domain.recovery_guards import BASES
from disburse.domain.roles import PROJECT_READERS, Role
from disburse.domain.states import RECOVERY_OWED, PaymentState, ProjectState
from disburse.services import acceptances, engine, pages, payments, projects
from disburse.services.access import contractor_holds, jurisdiction_codes, load_project
from disburse.services.context import Actor
from disburse.services.errors import Forbidden
from disburse.services.scheduling import ACTIVE_STATES
from disburse.services.views import LineView

#: States whose deadlines still matter: the plan is live and not yet finished.
LIVE_STATES = (ProjectState.PLAN_DRAFTED, *ACTIVE_STATES, ProjectState.SUSPENDED)


def _require_reader(actor: Actor) -> None:
    if actor.role not in PROJECT_READERS:
        raise Forbidden(f"the role {actor.role} has no access to projects", audit=True)


def _in_jurisdiction(stmt: Any, actor: Actor, codes: list[str]) -> Any:
    """Projects the actor sees: a contractor's by its contracts, everyone else's by the jurisdiction's
    region ``codes`` (:func:`jurisdiction_codes`) on the indexed ``projects.region_code``."""
    if actor.role == Role.CONTRACTOR:
        return stmt.where(contractor_holds(actor, Project.id))  # type: ignore[arg-type]
    return stmt.where(Project.region_code.in_(codes))


def desk_projects(db: Database, actor: Actor, *, today: date, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Projects in the jurisdiction, the work waiting first: live projects by their next deadline
    (the nearest phase end or budget-line deadline on or after ``today``, SPEC §10), then the rest."""
    _require_reader(actor)
    with db.reading() as tx:
        return _desk_projects(tx.session, actor, jurisdiction_codes(tx.session, actor), today=today, page=page,
                              per_page=per_page)


def _desk_projects(session: Session, actor: Actor, codes: list[str], *, today: date, page: int,
                   per_page: int) -> dict[str, Any]:
    mine = _in_jurisdiction(select(Project.id), actor, codes)  # the deadlines of these projects only
    dates = union_all(
        select(Phase.project_id.label("pid"), Phase.end.label("due"))
        .where(Phase.end >= today, Phase.project_id.in_(mine)),
        select(BudgetLine.project_id.label("pid"), BudgetLine.deadline.label("due"))
        .where(BudgetLine.deadline >= today, BudgetLine.project_id.in_(mine)),
    ).subquery()
    nearest = select(dates.c.pid, func.min(dates.c.due).label("due")).group_by(dates.c.pid).subquery()
    live = Project.state.in_(LIVE_STATES)
    due = case((live, nearest.c.due), else_=None)
    stmt = _in_jurisdiction(select(Project, due.label("due"))
                            .outerjoin(nearest, nearest.c.pid == Project.id), actor, codes)
    total = session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    rows = session.execute(
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
        for pid, when, name, kind in session.execute(what):
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
    with db.reading() as tx:
        return _county_totals(tx.session, jurisdiction_codes(tx.session, actor))


def _county_totals(s: Session, codes: list[str]) -> dict[str, Any]:
    mine = Project.region_code.in_(codes)
    budget = s.execute(select(Region.code, Region.name, func.count(Project.id), func.sum(Project.total))
                       .join(Project, Project.region_code == Region.code).where(mine)
                       .group_by(Region.code, Region.name).order_by(Region.code)).all()
    contracted = dict(s.execute(
        select(Project.region_code, func.sum(Contract.amount)).join(Project, Project.id == Contract.project_id)
        .where(mine).group_by(Project.region_code)).all())
    disbursed = dict(s.execute(
        select(Project.region_code, func.sum(PaymentRow.amount)).join(Project, Project.id == PaymentRow.project_id)
        .where(mine, PaymentRow.state == PaymentState.DISBURSED).group_by(Project.region_code)).all())
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
            .where(Acceptance.project_id == project.id).order_by(Acceptance.contract_id, Acceptance.id)
            .options(selectinload(Acceptance.notices).selectinload(Notice.objections))).unique()
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
    with db.reading() as tx:
        return _finance_overview(tx.session, jurisdiction_codes(tx.session, actor), today=today)


def _finance_overview(session: Session, codes: list[str], *, today: date) -> dict[str, Any]:
    mine = Project.region_code.in_(codes)

    def per_project(amount: Any, table: Any, *where: Any) -> dict[int, Decimal]:
        rows = session.execute(
            select(table.project_id, func.sum(amount)).join(Project, Project.id == table.project_id)
            .where(mine, *where).group_by(table.project_id))
        return {pid: Decimal(total or 0) for pid, total in rows}

    def per_source(amount: Any, table: Any) -> dict[str, Decimal]:
        rows = session.execute(
            select(table.source, func.sum(amount)).join(Project, Project.id == table.project_id)
            .where(mine).group_by(table.source))
        return {source: Decimal(total or 0) for source, total in rows}

    months = _months_back(today, CHART_MONTHS)
    first = date(months[0][0], months[0][1], 1)
    projects_in = session.execute(
        select(Project.id, Project.name, Project.total, Region.name)
        .join(Region, Region.code == Project.region_code)
        .where(mine, Project.state != ProjectState.WITHDRAWN).order_by(Project.id)).all()
    owed = RecoveryOrder.state.in_(RECOVERY_OWED)
    ordered, received = (per_project(RecoveryOrder.amount, RecoveryOrder, owed),
                         per_project(RecoveryOrder.received, RecoveryOrder, owed))
    figures = {"contracted": per_project(Contract.amount, Contract),
               "arrived": per_project(Allocation.amount, Allocation),
               "disbursed": per_project(PaymentRow.amount, PaymentRow, PaymentRow.state == PaymentState.DISBURSED),
               "outstanding": {pid: amount - received.get(pid, Decimal(0)) for pid, amount in ordered.items()}}
    budget_by_source, arrived_by_source = (per_source(FundingSource.amount, FundingSource),
                                           per_source(Allocation.amount, Allocation))
    by_day = session.execute(
        select(PaymentRow.disbursed_on, func.sum(PaymentRow.amount))
        .join(Project, Project.id == PaymentRow.project_id)
        .where(mine, PaymentRow.state == PaymentState.DISBURSED, PaymentRow.disbursed_on >= first,
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
        if day is not None:  # a disbursed payment has its day; the filter above says so too
            monthly[(day.year, day.month)] += Decimal(amount or 0)
    sources = [{"source": source, "budget": format_yuan(budget_by_source.get(source, Decimal(0))),
                "arrived": format_yuan(arrived_by_source.get(source, Decimal(0)))}
               for source in sorted(set(budget_by_source) | set(arrived_by_source))]
    return {"projects": rows[:FINANCE_PROJECTS_SHOWN], "project_count": len(rows),
            "totals": {k: format_yuan(v) for k, v in sums.items()}, "sources": sources,
            "months": [{"month": f"{y}-{m:02d}", "disbursed": format_yuan(v)} for (y, m), v in monthly.items()]}


# --- a desk in one read (issue 19 item 2) ---------------------------------------------------------

#: At most this many recoveries still owed are listed on finance's desk, the oldest order first.
OWED_SHOWN = 50


def _owed(session: Session, codes: list[str]) -> list[dict[str, Any]]:
    """The recoveries still owed in the jurisdiction, the oldest order first, with what the desk shows."""
    rows = session.execute(
        select(RecoveryOrder, Project.name).join(Project, Project.id == RecoveryOrder.project_id)
        .where(RecoveryOrder.state.in_(RECOVERY_OWED), Project.region_code.in_(codes))
        .order_by(RecoveryOrder.ordered_at, RecoveryOrder.id).limit(OWED_SHOWN)).all()
    return [{"project_name": name,
             "view": {"id": r.id, "project_id": r.project_id, "basis": r.basis, "basis_label": BASES[r.basis],
                      "amount": r.amount, "received": r.received, "outstanding": r.amount - r.received}}
            for r, name in rows]


def finance_desk(db: Database, actor: Actor, *, page: int, per_page: int, now: datetime,
                 today: date) -> dict[str, Any]:
    """Everything the approval desk shows (issue 18 item 9; issue 19): the queue page with each payment's
    actions, the ledgers of its projects, the recoveries still owed and the finance overview — one read
    transaction, the facts of all the queue's payments read together: the statements do not grow with the
    queue, the projects or the payments."""
    _require_reader(actor)
    with db.reading() as tx:
        s = tx.session
        codes = jurisdiction_codes(s, actor)
        queue, rows = payments.queue_in(s, actor, codes, page=page, per_page=per_page, today=local_date(now))
        actions = payments.actions_of_many(s, actor, rows, now)
        shown = list({project.id: project for _, _, project in rows}.values())
        ledgers = [{**ledger, "project_name": project.name}
                   for project, ledger in zip(shown, payments.ledgers_of(s, actor, shown), strict=True)]
        return {"queue": queue, "actions": actions, "ledgers": ledgers, "owed": _owed(s, codes),
                "overview": _finance_overview(s, codes, today=today)}


def bureau_desk(db: Database, actor: Actor, *, today: date, page: int, per_page: int) -> dict[str, Any]:
    """The commerce and supervisor desk's projects and money per county (:func:`desk_projects`,
    :func:`county_totals`) in one read transaction (a contractor has its own desk)."""
    _require_reader(actor)
    if actor.role == Role.CONTRACTOR:
        raise Forbidden("contractors see their own contracts, not county totals", audit=True)
    with db.reading() as tx:
        codes = jurisdiction_codes(tx.session, actor)
        return {"listed": _desk_projects(tx.session, actor, codes, today=today, page=page, per_page=per_page),
                "counties": _county_totals(tx.session, codes)}
