"""Calls for applications and the applications on them (项目申报, issue 20) on the one event engine.

Seed 003 spends by application (§5(1)1②: 由责任部门会同财政部门制定并公开公布项目申报通知，明确申报条件，
组织项目评审): commerce opens a call on budget lines of a filed project — the money available, which is at
most what those lines hold once the contracts on them are counted, the eligibility conditions (§5(2)1), a
deadline and the materials asked for (§5(2)2). An enterprise (its user, or commerce on its behalf) applies
with its declarations and materials; commerce reviews jointly with a site visit, each panel member declaring
no conflict of interest, and proposes a subsidy; finance re-checks (§5(2)3①, someone other than the
reviewer); the result is publicised with the proposed subsidy for the rule set's notice period, as an
acceptance's (§5(2)3②, seed 004 §5(5)2); the leader awards within the lines' remaining budget and the call's
total, and not twice to one enterprise where the rule set forbids repeated support (重复支持).

An enterprise's user sees its own applications (the credit code of its account); the bureaus see those of
the projects in their jurisdiction (:mod:`disburse.services.access`). The calls are public.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_UP, Decimal
from functools import cache
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    Application,
    ApplicationDocument,
    BudgetLine,
    Call,
    CallLine,
    Contract,
    ContractLine,
    Contractor,
    Document,
    Payment,
    Project,
)
from disburse.domain.application_guards import APPLICATION_CHOOSERS, APPLICATION_GUARDS, ApplicationFacts
from disburse.domain.citations import XX_COUNTY, cite
from disburse.domain.contracts import DECLARATIONS
from disburse.domain.money import FEN, amount_en, amount_zh, format_yuan
from disburse.domain.notice import local_date
from disburse.domain.notice_guards import ObjectionFacts
from disburse.domain.roles import Role, within
from disburse.domain.states import ApplicationEvent, ApplicationState, ProjectState
from disburse.domain.unmet import Unmet
from disburse.domain.workflow import Functions, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.services import acceptances, engine, notices, payments
from disburse.services.access import (
    answering_as,
    hidden,
    is_contractor,
    load_project,
    own_contracts,
    own_materials,
    require_reader,
)
from disburse.services.context import Actor, Origin
from disburse.services.engine import RowState, Step, Target
from disburse.services.errors import Conflict, Forbidden, Invalid
from disburse.services.idempotency import Idem

CALL_CLAUSE = cite(XX_COUNTY, "五(一)1②", "制定并公开公布项目申报通知，明确申报条件")
AWARD_PAID_CLAUSE = cite(XX_COUNTY, "五(二)3③", "项目合格验收后，由县财政局按照程序和要求拨付资金")
#: A call is opened once the plan is filed, and not once the project is over.
CALL_STATES = (ProjectState.FILED, ProjectState.TENDERED, ProjectState.CONTRACTOR_SELECTED,
               ProjectState.STAGED_ACCEPTANCE)
#: The conditions a call states when it gives none: seed 003 §5(2)1.
DEFAULT_CONDITIONS = ("依法在本县登记注册", "具有独立法人资格", "具有独立健全的财务核算制度及管理制度",
                      "经营状况良好", "近三年无违法违规记录")
#: What the public notice lists: the applications publicised and those awarded.
PUBLICISED = (ApplicationState.IN_NOTICE, ApplicationState.NOTICE_CLEAR, ApplicationState.AWARDED)

# --- effects (named in workflows/application.yaml) -----------------------------------------------------


def record_submission(step: Step[Application, ApplicationFacts]) -> None:
    """The application as submitted, with its materials."""
    application = step.entity
    application.submitted_by = step.actor.id
    for document_id in dict.fromkeys(step.data.get("document_ids") or []):
        application.documents.append(ApplicationDocument(document_id=document_id))
    step.record.update(call_id=application.call_id, applicant=application.applicant_name,
                       credit_code=application.credit_code, declarations=dict(application.declarations),
                       amount_requested=format_yuan(application.amount_requested),
                       document_ids=list(dict.fromkeys(step.data.get("document_ids") or [])))


def record_review_start(step: Step[Application, ApplicationFacts]) -> None:
    step.entity.review_started_by = step.actor.id


def record_review(step: Step[Application, ApplicationFacts]) -> None:
    """The joint review: the panel with its declarations, the site visit, the verdict, the proposed subsidy."""
    application, data = step.entity, step.data
    application.panel = [{"name": m["name"], "bureau": m["bureau"], "no_conflict": bool(m["no_conflict"])}
                         for m in data["panel"]]
    visit = data["site_visit"]
    application.site_visit = {"date": visit["date"].isoformat(), "note": visit.get("note") or ""}
    application.verdict = data["verdict"]
    application.reviewed_by, application.reviewed_at = step.actor.id, step.now
    if data["verdict"] == "pass":
        application.proposed_subsidy = data["proposed_subsidy"]
    else:
        application.reject_note = data.get("note")
    step.facts = replace(step.facts, state=step.after, reviewed_by=step.actor.id,
                         proposed_subsidy=application.proposed_subsidy)
    step.record.update(panel=application.panel, site_visit=application.site_visit, verdict=application.verdict,
                       proposed_subsidy=None if application.proposed_subsidy is None
                       else format_yuan(application.proposed_subsidy))


def record_recheck(step: Step[Application, ApplicationFacts]) -> None:
    application = step.entity
    application.rechecked_by, application.rechecked_at = step.actor.id, step.now
    application.recheck_note = step.data.get("note")
    step.record["reviewed_by"] = application.reviewed_by


def publish_notice(step: Step[Application, ApplicationFacts]) -> None:
    """The public notice (公示) of the applicant and its proposed subsidy, for the rule set's period, ending at
    24:00 Beijing time of its last day — a notice as an acceptance's, to which the public objects the same way
    (:mod:`disburse.services.notices`)."""
    application = step.entity
    rules = step.target.parents["rules"]
    _, ends_at = notices.publish(step, rules)
    application.notice_published_at, application.notice_ends_at = step.now, ends_at
    application.notice_days, application.notice_working_days = rules.notice_days, rules.notice_working_days
    application.notice_closed_at = None
    step.facts = replace(step.facts, state=step.after, notice_ends_at=ends_at, objections=())
    assert application.proposed_subsidy is not None
    step.record.update(applicant=application.applicant_name, credit_code=application.credit_code,
                       proposed_subsidy=format_yuan(application.proposed_subsidy))


def close_notice(step: Step[Application, ApplicationFacts]) -> None:
    step.entity.notice_closed_at = step.now
    notices.close(step)


def decide_objection(step: Step[Application, ApplicationFacts]) -> None:
    outcome = notices.decided(step)
    if outcome == ApplicationState.NOTICE_CLEAR:
        step.entity.notice_closed_at = step.now
    elif outcome == notices.UPHELD:
        step.entity.rejected_by, step.entity.reject_note = step.actor.id, step.data.get("note")


def record_award(step: Step[Application, ApplicationFacts]) -> None:
    """The leader's award: the proposed subsidy, within what the lines and the call have left."""
    application, facts = step.entity, step.facts
    assert application.proposed_subsidy is not None
    application.awarded = application.proposed_subsidy
    application.awarded_by, application.awarded_at = step.actor.id, step.now
    agreement = step.add(subsidy_agreement(application, step.target, local_date(step.now)))
    step.record.update(awarded=format_yuan(application.awarded),
                       lines_left=format_yuan(facts.lines_room - facts.awarded_on_lines - application.awarded),
                       call_left=format_yuan(facts.call_total - facts.awarded_on_call - application.awarded),
                       contract_id=lambda: agreement.id, contractor=application.credit_code)


def subsidy_agreement(application: Application, target: Target[Application], signed_on: date) -> Contract:
    """The award as a subsidy agreement (补助协议) with the enterprise: a contract for the awarded amount on the
    call's lines, paid after the fact (先建后补, seed 003 §5(2)3③: 项目合格验收后……拨付资金) — no advance, no
    stages, the whole of it once the work is accepted — so the work is accepted and the subsidy paid on the
    acceptance and payment paths every contract takes. The enterprise becomes a contractor (one per credit
    code) registered in the project's county, as seed 003 §5(2)1 requires of applicants."""
    assert application.awarded is not None
    call, project = target.parents["call"], target.project
    contractor = target.parents.get("contractor") or Contractor(
        name=application.applicant_name, credit_code=application.credit_code, region_code=project.region_code,
        declarations=dict(application.declarations or {}), declaration_documents={})
    return Contract(project_id=project.id, lot=f"补助协议：{call.title}（{application.applicant_name}）",
                    contractor=contractor, amount=application.awarded, signed_on=signed_on, advance_share="0",
                    final_share="1", stages=[], lines=[ContractLine(line_id=line.line_id) for line in call.lines],
                    application_id=application.id)


def record_rejection(step: Step[Application, ApplicationFacts]) -> None:
    step.entity.rejected_by, step.entity.reject_note = step.actor.id, step.data.get("note")


def record_withdrawal(step: Step[Application, ApplicationFacts]) -> None:
    step.entity.withdrawn_by = step.actor.id


EFFECTS = {f.__name__: f for f in (record_submission, record_review_start, record_review, record_recheck,
                                   publish_notice, close_notice, decide_objection, record_award, record_rejection,
                                   record_withdrawal)}


@cache
def workflow() -> Workflow[ApplicationFacts, Step[Application, ApplicationFacts]]:
    """The application workflow, loaded once from ``workflows/application.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "application.yaml",
                         Functions(ApplicationState, ApplicationEvent, APPLICATION_GUARDS, APPLICATION_CHOOSERS,
                                   EFFECTS))


# --- the budget a call spends -------------------------------------------------------------------------


def committed_on(session: Session, project_id: int, line_ids: set[int]) -> Decimal:
    """What the project's procured contracts commit on ``line_ids``: each contract's amount shared over its
    lines in proportion to their amounts, rounded up to the fen (a contract over lines with no amount: all of
    it). Subsidy agreements are left out: they are the awards, counted once by :func:`awarded_on_lines`."""
    rows = session.execute(select(Contract.id, Contract.amount, ContractLine.line_id, BudgetLine.amount)
                           .join(ContractLine, ContractLine.contract_id == Contract.id)
                           .join(BudgetLine, BudgetLine.id == ContractLine.line_id)
                           .where(Contract.project_id == project_id, Contract.application_id.is_(None))).all()
    contracts: dict[int, tuple[Decimal, Decimal, Decimal, bool]] = {}
    for contract_id, amount, line_id, line_amount in rows:
        _, whole, inside, touches = contracts.get(contract_id, (amount, Decimal(0), Decimal(0), False))
        share = line_amount or Decimal(0)
        contracts[contract_id] = (amount, whole + share, inside + (share if line_id in line_ids else 0),
                                  touches or line_id in line_ids)
    committed = Decimal(0)
    for amount, whole, inside, touches in contracts.values():
        if touches:
            committed += (amount * inside / whole).quantize(FEN, rounding=ROUND_UP) if whole else amount
    return committed


def lines_room(session: Session, project_id: int, line_ids: set[int]) -> Decimal:
    """The lines' amounts less what the contracts on them commit."""
    amounts = session.scalars(select(BudgetLine.amount).where(BudgetLine.id.in_(line_ids)))
    return sum((a or Decimal(0) for a in amounts), Decimal(0)) - committed_on(session, project_id, line_ids)


def awarded_on_lines(session: Session, line_ids: set[int], but: int | None) -> Decimal:
    """Awarded on every call that spends one of ``line_ids`` (the application ``but`` excepted)."""
    calls = select(CallLine.call_id).where(CallLine.line_id.in_(line_ids))
    awarded = session.scalars(select(Application.awarded).where(
        Application.call_id.in_(calls), Application.state == ApplicationState.AWARDED,
        Application.id != (but or 0)))
    return sum((a or Decimal(0) for a in awarded), Decimal(0))


# --- calls -------------------------------------------------------------------------------------------


def open_call(db: Database, actor: Actor, origin: Origin, project_id: int, data: Mapping[str, Any],
              now: datetime) -> dict[str, Any]:
    """Open a call for applications on lines of a filed project (commerce; seed 003 §5(1)1②, §5(2)2①): its
    total is at most what those lines hold once the contracts and the awards on them are counted."""
    with db.writing() as tx:
        session = tx.session
        project = load_project(session, actor, project_id, lock=True)
        if actor.role != Role.COMMERCE:
            raise Forbidden(f"the role {actor.role} may not open calls for applications", audit=True)
        if project.state not in CALL_STATES:
            unmet = Unmet("wrong_state", "项目实施方案备案后、验收前方可发布项目申报通知",
                          "A call for applications is opened once the plan is filed and before the final audit",
                          CALL_CLAUSE)
            raise Conflict(unmet.en, [unmet])
        line_ids = list(data["line_ids"])
        known = {line.id for line in project.lines}
        unknown = [i for i in line_ids if i not in known]
        if unknown or not line_ids or len(set(line_ids)) != len(line_ids):
            raise Invalid("invalid call", {"line_ids": [f"one or more distinct lines of project {project.id}"
                                                        + (f"; not its lines: {unknown}" if unknown else "")]})
        room = lines_room(session, project.id, set(line_ids)) - awarded_on_lines(session, set(line_ids), None)
        total: Decimal = data["total"]
        if total <= 0:
            raise Invalid("invalid call", {"total": ["must be more than zero"]})
        if total > room:
            unmet = Unmet("call_above_line_budget",
                          f"可安排资金 {amount_zh(total)} 超过所选预算行扣除合同占用和已批准补助后的 {amount_zh(room)}",
                          f"The {amount_en(total)} available is more than the {amount_en(room)} the lines hold "
                          "once their contracts and awards are counted", CALL_CLAUSE)
            raise Conflict(unmet.en, [unmet])
        unit = data.get("unit_rate")
        if unit is not None:
            wrong = {k: ["must be more than zero"] for k in ("rate", "cap") if unit.get(k) is not None and unit[k] <= 0}
            if wrong:
                raise Invalid("invalid call", {"unit_rate": [f"{k}: {m[0]}" for k, m in wrong.items()]})
        call = Call(project_id=project.id, title=data["title"], total=total,
                    conditions=list(data.get("conditions") or DEFAULT_CONDITIONS), deadline=data["deadline"],
                    materials=list(data.get("materials") or []), state="open", created_by=actor.id, created_at=now,
                    lines=[CallLine(line_id=i) for i in line_ids],
                    unit_name=None if unit is None else unit["unit"], unit_rate=None if unit is None else unit["rate"],
                    unit_cap=None if unit is None else unit.get("cap"))
        session.add(call)
        session.flush()
        audit_log.append(session, action="call.open", actor=actor, origin=origin, entity_type="call",
                         entity_id=call.id, project_id=project.id, region_code=project.region_code,
                         data={"title": call.title, "total": format_yuan(total), "line_ids": line_ids,
                               "lines_room": format_yuan(room), "deadline": call.deadline.isoformat(),
                               **({} if unit is None else {"unit_rate": unit_rate_view(call)})}, at=now)
        view = call_view(session, call, today=local_date(now))
        tx.commit()
        return view


def unit_rate_view(call: Call) -> dict[str, Any] | None:
    """A per-unit call's unit, rate and monthly cap (issue 20 item 4), as money text; None for a lump-sum call."""
    if call.unit_rate is None:
        return None
    return {"unit": call.unit_name, "rate": format_yuan(call.unit_rate),
            "cap": None if call.unit_cap is None else format_yuan(call.unit_cap)}


def call_view(session: Session, call: Call, *, today: date, public: bool = False) -> dict[str, Any]:
    """A call with what it has awarded and the applicants publicised with their subsidies; to an enterprise
    (``public``) without how many applications it has."""
    rows = session.scalars(select(Application).where(Application.call_id == call.id)
                           .order_by(Application.id)).all()
    awarded = sum((a.awarded or Decimal(0) for a in rows if a.state == ApplicationState.AWARDED), Decimal(0))
    view: dict[str, Any] = {
        "id": call.id, "project_id": call.project_id, "title": call.title, "total": call.total,
        "line_ids": [line.line_id for line in call.lines], "conditions": list(call.conditions),
        "deadline": call.deadline, "materials": list(call.materials),
        "state": call.state if today <= call.deadline else "closed", "awarded": awarded,
        "unit_rate": unit_rate_view(call),
        "created_at": call.created_at,
        "recipients": [{"application_id": a.id, "applicant": a.applicant_name, "credit_code": a.credit_code,
                        "proposed_subsidy": a.proposed_subsidy, "awarded": a.awarded, "state": a.state,
                        "notice_ends_at": a.notice_ends_at}
                       for a in rows if a.state in PUBLICISED]}
    if not public:
        view["applications"] = len(rows)
    return view


def get_call(db: Database, actor: Actor, call_id: int, now: datetime) -> dict[str, Any]:
    """A call, to the bureaus of its project's jurisdiction and the enterprises of its region (the public
    reads every call at ``/public/calls``)."""
    require_reader(actor)
    with db.reading() as tx:
        call = tx.session.get(Call, call_id)
        if call is None:
            raise hidden("call", call_id)
        with answering_as("call", call_id):
            _project(tx.session, actor, call.project_id, lock=False)
        return call_view(tx.session, call, today=local_date(now), public=is_contractor(actor))


# --- applications on the engine ---------------------------------------------------------------------


def _project(session: Session, actor: Actor, project_id: int, *, lock: bool) -> Project:
    """The project of a call or an application: the bureaus' through their jurisdiction; an enterprise's user
    reaches the projects of its own region (seed 003 §5(2)1: 依法在XX县登记注册) through a call or its own
    application."""
    if not is_contractor(actor):
        return load_project(session, actor, project_id, lock=lock)
    stmt = select(Project).where(Project.id == project_id)
    project = session.scalar(stmt.with_for_update(of=Project) if lock else stmt)
    if project is None:
        raise hidden("project", project_id)
    if not within(project.region.path, actor.region_path):
        raise hidden("project", project_id, audit=True)
    return project


class ApplicationSubject(RowState[Application, ApplicationFacts]):
    """The application workflow's part of the event path (:mod:`disburse.services.engine`)."""

    kind = "application"

    def workflow(self) -> Workflow[ApplicationFacts, Step[Application, ApplicationFacts]]:
        return workflow()

    def load(self, session: Session, actor: Actor, ident: int, *, lock: bool) -> Target[Application]:
        """The application under a lock on its project (an enterprise's user: its own applications only)."""
        require_reader(actor)
        with answering_as("application", ident):
            found = session.execute(select(Application.project_id, Application.credit_code)
                                    .where(Application.id == ident)).first()
            if found is None:
                raise hidden("application", ident)
            if is_contractor(actor) and found.credit_code != actor.contractor_code:
                raise hidden("application", ident, audit=True)
            project = _project(session, actor, found.project_id, lock=lock)
        stmt = select(Application).where(Application.id == ident)
        application = session.scalar(stmt.with_for_update(of=Application) if lock else stmt)
        assert application is not None
        call = session.get(Call, application.call_id)
        assert call is not None
        return Target(application, project, {"call": call})

    def new(self, session: Session, actor: Actor, parent: int, data: Mapping[str, Any],
            now: datetime) -> Target[Application]:
        """An application on the call ``parent`` (its project locked: awards on its lines wait)."""
        require_reader(actor)
        with answering_as("call", parent):
            call = session.get(Call, parent)
            if call is None:
                raise hidden("call", parent)
            project = _project(session, actor, call.project_id, lock=True)
        applicant = data["applicant"]
        application = Application(
            call_id=call.id, project_id=project.id, applicant_name=applicant["name"],
            credit_code=applicant["credit_code"], region_code=applicant.get("region"),
            declarations={k: bool(v) for k, v in (applicant.get("declarations") or {}).items()},
            amount_requested=data["amount_requested"], description=data["description"],
            state=workflow().initial, created_at=now, updated_at=now)
        return Target(application, project, {"call": call})

    def facts(self, session: Session, target: Target[Application], actor: Actor, data: Mapping[str, Any],
              now: datetime) -> ApplicationFacts:
        application, project, call = target.entity, target.project, target.parents["call"]
        rules = target.parents["rules"] = rulesets.for_project(session, project)
        if application.state == ApplicationState.NOTICE_CLEAR:  # the award makes the enterprise a contractor
            target.parents["contractor"] = session.scalar(
                select(Contractor).where(Contractor.credit_code == application.credit_code))
        line_ids = {line.line_id for line in call.lines}
        creating = application.id is None
        foreign: tuple[int, ...] = ()
        if creating and data.get("document_ids"):
            wanted = set(data["document_ids"])
            mine = [] if not is_contractor(actor) else [  # an enterprise names the materials it may see
                or_(Document.id.in_(own_materials(actor)), Document.contract_id.in_(own_contracts(actor)))]
            ours = set(session.scalars(select(Document.id).where(Document.id.in_(wanted),
                                                                 Document.project_id == project.id, *mine)))
            foreign = tuple(sorted(wanted - ours))
        on_call = session.scalars(select(Application.awarded).where(
            Application.call_id == call.id, Application.state == ApplicationState.AWARDED,
            Application.id != (application.id or 0)))
        elsewhere = session.execute(
            select(Call.id, Call.title).join(Application, Application.call_id == Call.id)
            .where(Call.project_id == project.id, Call.id != call.id,
                   Application.credit_code == application.credit_code,
                   Application.state == ApplicationState.AWARDED).distinct().order_by(Call.id)).all()
        return ApplicationFacts(
            state=application.state, actor_role=actor.role, actor_id=actor.id, actor_ids=actor.ids,
            actor_contractor_code=actor.contractor_code, applicant_name=application.applicant_name,
            credit_code=application.credit_code, declarations=dict(application.declarations or {}),
            amount_requested=application.amount_requested, call_state=call.state, call_deadline=call.deadline,
            call_total=call.total, today=local_date(now), now=now, foreign_documents=foreign,
            reviewed_by=application.reviewed_by, proposed_subsidy=application.proposed_subsidy,
            notice_ends_at=application.notice_ends_at,
            lines_room=lines_room(session, project.id, line_ids),
            awarded_on_lines=awarded_on_lines(session, line_ids, application.id),
            awarded_on_call=sum((a or Decimal(0) for a in on_call), Decimal(0)),
            awarded_elsewhere=tuple((i, t) for i, t in elsewhere),
            forbid_duplicate_support=rules.forbid_duplicate_support,
            duplicate_support_clause=rules.duplicate_support_clause, data=dict(data),
            objections=tuple(ObjectionFacts(o.id, o.decision) for o in application.notices[-1].objections)
            if application.id is not None and application.notices else ())

    def view(self, session: Session, step: Step[Application, ApplicationFacts], allowed: list[str]) -> dict[str, Any]:
        return application_view(session, step.entity, allowed, named=not is_contractor(step.actor))


SUBJECT = ApplicationSubject()


def application_view(session: Session, application: Application, allowed: list[str], *,
                     named: bool = True) -> dict[str, Any]:
    """The application with its review record, its notice and the objections to it (the objectors named to
    the bureaus, not to the applicant: ``named``), and the enterprise's other applications in the county, on
    every call of every project (what the reviewers see of repeated support)."""
    county = select(Project.region_code).where(Project.id == application.project_id).scalar_subquery()
    others = session.execute(select(Application.id, Application.call_id, Application.state, Application.awarded,
                                    Application.project_id, Call.title)
                             .join(Call, Call.id == Application.call_id)
                             .join(Project, Project.id == Application.project_id)
                             .where(Project.region_code == county,
                                    Application.credit_code == application.credit_code,
                                    Application.id != application.id).order_by(Application.id)).all()
    declarations = application.declarations or {}
    return {
        "id": application.id, "call_id": application.call_id, "project_id": application.project_id,
        "applicant": {"name": application.applicant_name, "credit_code": application.credit_code,
                      "region": application.region_code,
                      "declarations": {k: bool(declarations.get(k)) for k in DECLARATIONS}},
        "amount_requested": application.amount_requested, "description": application.description,
        "document_ids": [d.document_id for d in application.documents],
        "state": application.state, "state_label": engine.state_label(workflow(), application.state),
        "proposed_subsidy": application.proposed_subsidy, "awarded": application.awarded,
        "review": None if application.reviewed_at is None else {
            "panel": application.panel or [], "site_visit": application.site_visit, "verdict": application.verdict,
            "reviewed_by": application.reviewed_by, "reviewed_at": application.reviewed_at},
        "recheck": None if application.rechecked_at is None else {
            "rechecked_by": application.rechecked_by, "rechecked_at": application.rechecked_at,
            "note": application.recheck_note},
        "notice": None if not application.notices else {
            "id": application.notices[-1].id,
            "published_at": application.notice_published_at, "ends_at": application.notice_ends_at,
            "days": application.notice_days, "working_days": application.notice_working_days,
            "closed_at": application.notice_closed_at, "applicant": application.applicant_name,
            "proposed_subsidy": application.proposed_subsidy,
            "objections": acceptances.objection_views(application.notices[-1], named=named)},
        "awarded_by": application.awarded_by, "awarded_at": application.awarded_at,
        "reject_note": application.reject_note,
        "same_enterprise": [{"id": i, "call_id": c, "state": st, "awarded": a, "project_id": p, "call_title": t}
                            for i, c, st, a, p, t in others],
        **_agreement_view(session, application),
        "allowed_events": list(allowed), "created_at": application.created_at,
        "updated_at": application.updated_at}


def _agreement_view(session: Session, application: Application) -> dict[str, Any]:
    """The award's subsidy agreement, the acceptances of the work on it and the subsidy's payments."""
    if application.state != ApplicationState.AWARDED:
        return {"contract_id": None, "acceptances": [], "payments": []}
    contract_id = session.scalar(select(Contract.id).where(Contract.application_id == application.id))
    accepted = session.execute(select(Acceptance.id, Acceptance.kind, Acceptance.state)
                               .where(Acceptance.contract_id == contract_id).order_by(Acceptance.id)).all()
    paid = session.execute(select(Payment.id, Payment.kind, Payment.amount, Payment.state)
                           .where(Payment.contract_id == contract_id).order_by(Payment.id)).all()
    return {"contract_id": contract_id,
            "acceptances": [{"id": i, "kind": k, "state": st} for i, k, st in accepted],
            "payments": [{"id": i, "kind": k, "amount": a, "state": st} for i, k, a, st in paid]}


# --- use cases -----------------------------------------------------------------------------------


def submit(db: Database, actor: Actor, origin: Origin, call_id: int, data: Mapping[str, Any],
           now: datetime) -> dict[str, Any]:
    """Apply on a call: the enterprise's user in its own name, or commerce on its behalf."""
    result: dict[str, Any] = engine.create(db, SUBJECT, actor, origin, call_id, data, now)[1]
    return result


def fire_event(db: Database, actor: Actor, origin: Origin, application_id: int, event: str,
               data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Any event of the application workflow but ``submit`` (and ``object``: the public objects at
    ``/public/notices/{id}/objections``)."""
    if event == ApplicationEvent.OBJECT:
        raise Invalid("unknown event", {"event": ["objections are filed at /api/v1/public/notices/{id}/objections"]})
    result: dict[str, Any] = engine.fire(db, SUBJECT, actor, origin, application_id, event, data, now)[1]
    return result


def get_application(db: Database, actor: Actor, application_id: int, now: datetime) -> dict[str, Any]:
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, application_id, lock=False)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now)
        return application_view(tx.session, target.entity,
                                engine.allowed(workflow(), actor, target.entity.state, facts),
                                named=not is_contractor(actor))


def explain_event(db: Database, actor: Actor, application_id: int, event: str, now: datetime) -> dict[str, Any]:
    """``GET /applications/{id}/events/{event}``: may the actor fire it now, and if not, why (and what the page
    asks before it fires)."""
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, application_id, lock=False)  # outside the jurisdiction: 404 first
        spec = engine.spec_of(workflow(), event)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now)
        return engine.explanation(workflow(), spec, actor, target.entity.state, facts)


# --- after the award: the work accepted, the subsidy paid ------------------------------------------------


def agreement_of(db: Database, actor: Actor, application_id: int, doing: Workflow[Any, Any]) -> int:
    """The subsidy agreement of an awarded application the actor may read (an enterprise: its own), for a role
    that may start ``doing`` (a 403 otherwise), or a 409 saying the application is not awarded."""
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, application_id, lock=False)
        if actor.role not in doing.creation().roles:
            raise Forbidden(f"the role {actor.role} may not {doing.creation().trigger} here", audit=True)
        contract_id = tx.session.scalar(select(Contract.id).where(Contract.application_id == application_id))
        if contract_id is not None:
            return contract_id
        label = engine.state_label(workflow(), target.entity.state) or {}
        unmet = Unmet("application_not_awarded",
                      f"该申报尚未批准补助（当前：{label.get('zh', target.entity.state)}），不能申请验收或拨付补助资金",
                      f"The application is not awarded ({label.get('en', target.entity.state).lower()}); its work "
                      "is neither accepted nor paid", AWARD_PAID_CLAUSE)
        raise Conflict(unmet.en, [unmet])


def apply_for_acceptance(db: Database, actor: Actor, origin: Origin, application_id: int,
                         data: Mapping[str, Any], now: datetime) -> Any:
    """The enterprise (or commerce on its behalf) applies for the acceptance of the awarded work: the final
    acceptance of its subsidy agreement (seed 003 §5(2)3③: 项目合格验收后)."""
    return acceptances.apply(db, actor, origin, agreement_of(db, actor, application_id, acceptances.workflow()),
                             {**data, "kind": "final", "stage": None, "line_ids": None}, now)


def request_subsidy(db: Database, actor: Actor, origin: Origin, application_id: int, data: Mapping[str, Any],
                    idem: Idem | None, now: datetime) -> tuple[int, Any]:
    """Request the payment of the subsidy (kind ``subsidy``) on the same path as every payment: gated by the
    accepted work and the award, then verified, approved and disbursed by different people."""
    return payments.request_payment(db, actor, origin,
                                    agreement_of(db, actor, application_id, payments.workflow()),
                                    {**data, "kind": "subsidy"}, idem, now=now)
