"""What the pages of the application track read (issue 20 items 1, 2, 6): a project's calls, a call with its
lines' remaining budget and its applications, an application's actions and steps, and the desks' work.

Read-only use cases on top of :mod:`disburse.services.applications` (which decides everything): each opens one
unit of work, reaches the call or the application through the same access rules as the API (a bureau through
its jurisdiction, an enterprise's user its own applications and the calls of its region), and reads in bulk.
Seed 003 §5(1)1② (项目申报类支出: 公开公布项目申报通知，明确申报条件，组织项目评审), §5(2)1–3.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from disburse.adapters.db import Database
from disburse.adapters.orm import Application, BudgetLine, Call, Contract, Document, Project
from disburse.domain.notice import local_date
from disburse.domain.states import ApplicationState
from disburse.services import applications, audit, engine
from disburse.services.access import is_contractor, load_contract, load_project, region_codes, require_reader
from disburse.services.context import Actor

#: What each bureau's desk lists (seed 003 §5(2)3): commerce reviews, publishes and closes the notices,
#: finance re-checks, the leader awards.
DESK_STATES: dict[str, tuple[str, ...]] = {
    "commerce": (ApplicationState.SUBMITTED, ApplicationState.UNDER_REVIEW, ApplicationState.RECHECKED,
                 ApplicationState.IN_NOTICE, ApplicationState.OBJECTED),
    "finance": (ApplicationState.REVIEWED,),
    "leader": (ApplicationState.NOTICE_CLEAR,),
}
#: At most this many applications on a desk (oldest first); the call pages list them all.
DESK_LIMIT = 100


def call_state(call: Call, today: date) -> str:
    """``open`` until the deadline (inclusive, Beijing time), then ``closed`` — as the call's view says it."""
    return call.state if today <= call.deadline else "closed"


def project_calls(db: Database, actor: Actor, project_id: int, now: datetime) -> list[dict[str, Any]]:
    """The project's calls in the order they were opened, with how many applications each has (not for an
    enterprise's user: the counts are the bureaus') and what each has awarded."""
    with db.reading() as tx:
        session = tx.session
        project = load_project(session, actor, project_id)
        calls = session.scalars(select(Call).where(Call.project_id == project.id).order_by(Call.id)
                                .options(selectinload(Call.lines))).all()
        counts = {call_id: (n, awarded) for call_id, n, awarded in session.execute(
            select(Application.call_id, func.count(),
                   func.sum(func.coalesce(Application.awarded, 0)).filter(
                       Application.state == ApplicationState.AWARDED))
            .where(Application.project_id == project.id).group_by(Application.call_id))}
        today = local_date(now)
        return [{"id": c.id, "title": c.title, "total": c.total, "deadline": c.deadline,
                 "line_ids": [line.line_id for line in c.lines], "state": call_state(c, today),
                 "applications": None if is_contractor(actor) else counts.get(c.id, (0, None))[0],
                 "awarded": Decimal(counts.get(c.id, (0, None))[1] or 0)} for c in calls]


def call_page(db: Database, actor: Actor, call_id: int, now: datetime) -> dict[str, Any]:
    """A call as its page shows it: the call (:func:`applications.get_call`, which checks access), its project,
    each line with what it has left for awards (its amount less what contracts commit and what is awarded on
    it), and the applications on it — all of them for a bureau, an enterprise's user its own."""
    call = applications.get_call(db, actor, call_id, now)
    with db.reading() as tx:
        session = tx.session
        project = session.get(Project, call["project_id"])
        assert project is not None
        lines = []
        for line in session.scalars(select(BudgetLine).where(BudgetLine.id.in_(call["line_ids"]))
                                    .order_by(BudgetLine.id)):
            room = applications.lines_room(session, project.id, {line.id})
            awarded = applications.awarded_on_lines(session, {line.id}, None)
            lines.append({"id": line.id, "ref": line.ref, "category": line.category, "item": line.item,
                          "amount": line.amount or Decimal(0), "room": room, "awarded": awarded,
                          "left": room - awarded, "responsible": list(line.responsible or []),
                          "deadline": line.deadline})
        stmt = select(Application).where(Application.call_id == call_id).order_by(Application.id)
        if is_contractor(actor):
            stmt = stmt.where(Application.credit_code == actor.contractor_code)
        return {"call": call, "project": {"id": project.id, "name": project.name, "region_code": project.region_code},
                "lines": lines, "applications": [_row(a) for a in session.scalars(stmt)]}


def _row(a: Application, call: Call | None = None, project: Project | None = None) -> dict[str, Any]:
    return {"id": a.id, "call_id": a.call_id, "project_id": a.project_id, "applicant": a.applicant_name,
            "credit_code": a.credit_code, "amount_requested": a.amount_requested,
            "proposed_subsidy": a.proposed_subsidy, "awarded": a.awarded, "state": a.state,
            "state_label": engine.state_label(applications.workflow(), a.state),
            "notice_ends_at": a.notice_ends_at, "updated_at": a.updated_at,
            "call_title": call.title if call else None, "project_name": project.name if project else None}


def application_page(db: Database, actor: Actor, application_id: int, now: datetime) -> dict[str, Any]:
    """What the application's page shows beside the application itself: its call and project, its materials,
    the events the actor's role has from its state (each allowed, or why not, with the official clause), and
    its steps from the audit log."""
    with db.reading() as tx:
        session = tx.session
        target = applications.SUBJECT.load(session, actor, application_id, lock=False)
        application, project, call = target.entity, target.project, target.parents["call"]
        facts = applications.SUBJECT.facts(session, target, actor, {}, now)
        ids = [d.document_id for d in application.documents]
        documents = session.scalars(select(Document).where(Document.id.in_(ids)).order_by(Document.id)) if ids else []
        return {
            "call": {"id": call.id, "title": call.title, "total": call.total, "deadline": call.deadline,
                     "state": call_state(call, local_date(now)), "materials": list(call.materials)},
            "project": {"id": project.id, "name": project.name},
            "documents": [{"id": d.id, "filename": d.filename, "sha256": d.sha256, "kind": d.kind}
                          for d in documents],
            "actions": engine.actions(applications.workflow(), actor, application.state, facts),
            "steps": audit.entity_history(session, project.id, "application", application.id),
        }


def desk(db: Database, actor: Actor, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """The applications waiting for the actor's bureau, oldest first, by state (:data:`DESK_STATES`): commerce's
    to review, to publish and in notice (``notice_over`` once the notice may be closed); finance's to re-check;
    the leader's to award. One statement."""
    states = DESK_STATES.get(actor.role, ())
    out: dict[str, list[dict[str, Any]]] = {state: [] for state in states}
    if not states:
        return out
    require_reader(actor)
    with db.reading() as tx:
        rows = tx.session.execute(
            select(Application, Call, Project).join(Call, Call.id == Application.call_id)
            .join(Project, Project.id == Application.project_id)
            .where(Project.region_code.in_(region_codes(actor)), Application.state.in_(states))
            .order_by(Application.updated_at, Application.id).limit(DESK_LIMIT))
        for application, call, project in rows:
            row = _row(application, call, project)
            row["notice_over"] = application.notice_ends_at is not None and application.notice_ends_at <= now
            out[application.state].append(row)
    return out


def enterprise_desk(db: Database, actor: Actor, now: datetime) -> dict[str, Any]:
    """An enterprise's user: the calls of its region still open (seed 003 §5(2)1: 依法在XX县登记注册) and its own
    applications, newest first. Two statements."""
    require_reader(actor)
    today = local_date(now)
    with db.reading() as tx:
        session = tx.session
        calls = session.execute(
            select(Call, Project).join(Project, Project.id == Call.project_id)
            .where(Project.region_code.in_(region_codes(actor)), Call.state == "open", Call.deadline >= today)
            .order_by(Call.deadline, Call.id).limit(DESK_LIMIT)).all()
        mine = session.execute(
            select(Application, Call, Project).join(Call, Call.id == Application.call_id)
            .join(Project, Project.id == Application.project_id)
            .where(Application.credit_code == (actor.contractor_code or ""))
            .order_by(Application.id.desc()).limit(DESK_LIMIT)).all()
        return {"calls": [{"id": c.id, "title": c.title, "total": c.total, "deadline": c.deadline,
                           "project_id": p.id, "project_name": p.name, "materials": list(c.materials)}
                          for c, p in calls],
                "applications": [_row(a, c, p) for a, c, p in mine]}



def agreement_of(db: Database, actor: Actor, contract_id: int) -> dict[str, Any] | None:
    """The awarded application a contract is the subsidy agreement (补助协议) of — its id, applicant and call —
    or ``None`` for a procured contract: the contract page offers an agreement the subsidy only (seed 003
    §5(2)3③)."""
    with db.reading() as tx:
        load_contract(tx.session, actor, contract_id)
        found = tx.session.execute(
            select(Application.id, Application.applicant_name, Call.id, Call.title)
            .join(Contract, Contract.application_id == Application.id).join(Call, Call.id == Application.call_id)
            .where(Contract.id == contract_id)).first()
        return None if found is None else {"application_id": found[0], "applicant": found[1], "call_id": found[2],
                                           "call_title": found[3]}
