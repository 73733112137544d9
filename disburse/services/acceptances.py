"""Acceptance use cases (SPEC §5.2; seed 004 §5(5), seed 003 §5(2)3).

Application, review with per-line verdicts, public notice with objections from
the public, leader approval, rectification and re-application. Every step runs
in one transaction with its audit entry; the clock is passed in, so the
scheduler can close notices and tests can travel in time.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.limits import KEY_LENGTH, OBJECTION, CounterStore, SqlCounterStore
from disburse.adapters.orm import (
    Acceptance,
    Contract,
    Contractor,
    Document,
    Notice,
    Objection,
    Project,
    Region,
    Verdict,
)
from disburse.domain.acceptance_guards import (
    ACCEPTANCE_CHOOSERS,
    ACCEPTANCE_GUARDS,
    AcceptanceFacts,
    ObjectionFacts,
)
from disburse.domain.money import format_yuan
from disburse.domain.notice import local_date, notice_end
from disburse.domain.roles import Role
from disburse.domain.text import TooDeep, text_errors
from disburse.domain.unmet import Unmet
from disburse.domain.workflow import TransitionSpec, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.schemas import flatten_errors
from disburse.schemas.objection import ObjectionIn
from disburse.services import audit, events, pages, projects
from disburse.services.access import is_contractor, jurisdiction_clause, load_acceptance, load_contract
from disburse.services.context import SYSTEM, Actor, Origin
from disburse.services.contracts import line_amounts
from disburse.services.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited

APPLICANTS = frozenset({Role.CONTRACTOR, Role.COMMERCE})
#: The public files objections without a login (SPEC §9).
PUBLIC = Actor(id=None, username="public", role="public", region_code="000000", region_path="/000000/")
_SECOND = timedelta(seconds=1)
_ZERO = Decimal(0)


@cache
def workflow() -> Workflow[AcceptanceFacts]:
    """The acceptance workflow, loaded once from ``workflows/acceptance.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "acceptance.yaml", ACCEPTANCE_GUARDS, ACCEPTANCE_CHOOSERS)


def apply(db: Database, actor: Actor, origin: Origin, contract_id: int, data: Mapping[str, Any],
          now: datetime) -> int:
    """The contractor (or commerce on its behalf) applies for a stage or final acceptance.

    The first application moves the project into ``staged_acceptance`` (SPEC §5.1).
    """
    with db.writing() as tx:
        contract, project = load_contract(tx.session, actor, contract_id, lock=True)
        if actor.role not in APPLICANTS:
            raise Forbidden(f"the role {actor.role} may not apply for acceptance", audit=True)
        if project.state not in ("contractor_selected", "staged_acceptance"):
            unmet = Unmet("wrong_state", "项目不在可申请验收的阶段",
                          "The project is not in a state that takes acceptance applications", "seed 004 §5(5)1")
            raise Conflict(unmet.en, [unmet])
        kind, stage = data["kind"], data.get("stage")
        if kind == "stage" and not (stage and 1 <= stage <= len(contract.stages)):
            raise Invalid("invalid application",
                          {"stage": [f"the contract's schedule has stages 1 to {len(contract.stages)}"]})
        if kind == "final":
            stage = None
        exists = tx.session.scalar(select(Acceptance.id).where(
            Acceptance.contract_id == contract.id, Acceptance.kind == kind,
            Acceptance.stage.is_(None) if stage is None else Acceptance.stage == stage))
        if exists is not None:
            unmet = Unmet("acceptance_exists", f"该{_kind_zh(kind, stage)}已有验收申请（{exists}）",
                          f"This {kind} acceptance exists already ({exists})", "seed 004 §5(5)1")
            raise Conflict(unmet.en, [unmet])
        if project.state == "contractor_selected":
            start = events.spec_of(projects.workflow(), "start_acceptance")
            projects.fire_in(tx.session, SYSTEM, origin, project, start,
                             {"note": f"first acceptance application on contract {contract.id}"})
        acceptance = Acceptance(contract_id=contract.id, project_id=project.id, kind=kind, stage=stage,
                                state=workflow().initial, note=data.get("note"), applied_by=actor.id,
                                created_at=now, updated_at=now)
        tx.session.add(acceptance)
        tx.session.flush()
        documents = _attach(tx.session, project, acceptance, data.get("document_ids") or [])
        audit_log.append(tx.session, action="acceptance.apply", actor=actor, origin=origin,
                         entity_type="acceptance", entity_id=acceptance.id, project_id=project.id,
                         to_state=acceptance.state, note=data.get("note"),
                         data={"contract_id": contract.id, "kind": kind, "stage": stage, "documents": documents})
        tx.commit()
        return acceptance.id


def _kind_zh(kind: str, stage: int | None) -> str:
    return "终验" if kind == "final" else f"第{stage}阶段验收"


def _attach(session: Session, project: Project, acceptance: Acceptance, ids: list[int]) -> list[dict[str, Any]]:
    """Application materials: documents of this project not attached elsewhere."""
    attached = []
    for doc_id in ids:
        doc = session.get(Document, doc_id)
        if doc is None or doc.project_id != project.id or doc.acceptance_id not in (None, acceptance.id):
            raise Invalid("invalid application", {"document_ids": [f"no document {doc_id} of this project"]})
        doc.acceptance_id = acceptance.id
        attached.append({"id": doc.id, "sha256": doc.sha256})
    return attached


def _facts(session: Session, acceptance: Acceptance, contract: Contract, actor: Actor, now: datetime,
           data: Mapping[str, Any] | None = None) -> AcceptanceFacts:
    notice = acceptance.notices[-1] if acceptance.notices else None
    return AcceptanceFacts(
        state=acceptance.state, actor_id=actor.id, now=now, line_amounts=line_amounts(session, contract),
        verdict_by=acceptance.verdict_by, notice_ends_at=notice.ends_at if notice else None,
        objections=tuple(ObjectionFacts(o.id, o.decision) for o in notice.objections) if notice else (),
        data=dict(data or {}),
    )


def fire_event(db: Database, actor: Actor, origin: Origin, acceptance_id: int, event: str,
               data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Fire an acceptance event: check, move, record — in one transaction."""
    spec = events.spec_of(workflow(), event)
    if spec.trigger == "object":
        raise Invalid("unknown event", {"event": ["objections are filed at /api/v1/public/notices/{id}/objections"]})
    with db.writing() as tx:
        acceptance, contract, project = load_acceptance(tx.session, actor, acceptance_id, lock=True)
        _fire(tx.session, actor, origin, acceptance, contract, project, spec, data, now)
        view = acceptance_view(tx.session, acceptance, contract, actor, now)
        tx.commit()
        return view


def _fire(session: Session, actor: Actor, origin: Origin, acceptance: Acceptance, contract: Contract,
          project: Project, spec: TransitionSpec, data: Mapping[str, Any], now: datetime) -> None:
    facts = _facts(session, acceptance, contract, actor, now, data)
    events.check(workflow(), spec, actor, acceptance.state, data, facts)
    _project_is_live(project)
    before = acceptance.state
    after = workflow().target(spec, acceptance.state, facts)
    record = _apply(session, actor, acceptance, project, spec, after, data, now)
    acceptance.state = after
    acceptance.updated_at = now
    audit_log.append(session, action=f"acceptance.{spec.trigger}", actor=actor, origin=origin,
                     entity_type="acceptance", entity_id=acceptance.id, project_id=project.id,
                     from_state=before, to_state=after, data=record, note=data.get("note"))


def _project_is_live(project: Project) -> None:
    """Nothing moves on a suspended or closed project (SPEC §5.1)."""
    if project.state in ("suspended", "closed", "clawback"):
        label = events.state_label(projects.workflow(), project.state) or {}
        unmet = Unmet("project_not_active", f"项目处于“{label.get('zh')}”状态，验收暂停",
                      f"The project is {label.get('en', '').lower()}; acceptance is on hold", "SPEC §5.1")
        raise Conflict(unmet.en, [unmet])


def _apply(session: Session, actor: Actor, acceptance: Acceptance, project: Project, spec: TransitionSpec,
           after: str, data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The event's effect besides the state, returned as what the audit entry records."""
    event = spec.trigger
    if event in ("pass", "fail"):
        acceptance.verdicts = [Verdict(line_id=v["line_id"], result=v["result"],
                                       accepted_amount=v["accepted_amount"], note=v.get("note"))
                               for v in data["verdicts"]]
        acceptance.verdict_by, acceptance.verdict_at = actor.id, now
        return {"verdicts": [{"line_id": v["line_id"], "result": v["result"],
                              "accepted_amount": format_yuan(v["accepted_amount"])} for v in data["verdicts"]]}
    if event == "publish":
        rules = rulesets.load(project.rule_set)
        _, ends_at = notice_end(now, rules.notice_days, rules.notice_working_days)
        published = Notice(acceptance_id=acceptance.id, published_at=now, ends_at=ends_at,
                           days=rules.notice_days, working_days=rules.notice_working_days)
        acceptance.notices.append(published)
        session.flush()
        return {"notice_id": published.id, "ends_at": ends_at.isoformat(), "days": rules.notice_days,
                "working_days": rules.notice_working_days, "clause": rules.notice_clause}
    notice = acceptance.notices[-1] if acceptance.notices else None
    if event == "close_notice" and notice is not None:
        notice.closed_at = now
        return {"notice_id": notice.id}
    if event == "resolve_objection" and notice is not None:
        objection = next(o for o in notice.objections if o.id == data["objection_id"])
        objection.decision, objection.decided_by = data["decision"], actor.id
        objection.decided_at, objection.decision_note = now, data.get("note")
        if after == "notice_clear":
            notice.closed_at = now
        return {"objection_id": objection.id, "decision": objection.decision}
    if event == "approve":
        acceptance.approved_by = actor.id
        return {}
    if event == "rectify":
        acceptance.rectify_deadline = data["deadline"]
        return {"deadline": data["deadline"].isoformat()}
    if event == "reapply":
        acceptance.attempt += 1
        acceptance.verdicts = []
        acceptance.verdict_by = acceptance.verdict_at = acceptance.approved_by = None
        return {"attempt": acceptance.attempt}
    return {}


def file_objection(db: Database, origin: Origin, notice_id: int, sent: Mapping[str, Any], now: datetime,
                   limits: CounterStore | None = None) -> int:
    """Anyone may object while a notice runs (SPEC §9); every objection is audited.

    ``sent`` is what the client sent, not yet validated. At most five objections per client address
    in ten minutes (:data:`disburse.adapters.limits.OBJECTION`): the attempt is counted first, in a
    transaction of its own, so a refused objection (invalid fields, a closed notice) counts like a
    filed one and concurrent requests cannot pass the limit together (issue 14). Then the fields are
    checked (:class:`~disburse.schemas.objection.ObjectionIn`, and no text that cannot be stored).
    """
    store = limits or SqlCounterStore()
    with db.writing() as tx:
        hit = store.hit(tx.session, OBJECTION, (origin.client_addr or "")[:KEY_LENGTH], now)
        tx.commit()
    until = hit.refused_until(now)
    if until is not None:
        raise RateLimited("too many objections from this address; try again later (提交过于频繁，请稍后再试)",
                          retry_after=max(1, int((until - now).total_seconds())))
    data = _objection_fields(sent)
    with db.writing() as tx:
        notice = tx.session.get(Notice, notice_id)
        if notice is None:
            raise NotFound(f"no notice {notice_id}")
        acceptance = tx.session.get(Acceptance, notice.acceptance_id)
        assert acceptance is not None
        project = tx.session.scalar(select(Project).where(Project.id == acceptance.project_id)
                                    .with_for_update(of=Project))
        contract = tx.session.get(Contract, acceptance.contract_id)
        assert project is not None and contract is not None
        spec = events.spec_of(workflow(), "object")
        if acceptance.notices[-1].id != notice.id:
            raise NotFound(f"no open notice {notice_id}")
        objection = Objection(notice_id=notice.id, name=data.get("name"), contact=data["contact"],
                              content=data["content"], client_addr=origin.client_addr, created_at=now)
        _fire(tx.session, PUBLIC, origin, acceptance, contract, project, spec,
              {"objection": data["content"][:200]}, now)
        tx.session.add(objection)
        tx.session.flush()
        audit_log.append(tx.session, action="objection.file", actor=PUBLIC, origin=origin,
                         entity_type="objection", entity_id=objection.id, project_id=project.id,
                         data={"notice_id": notice.id, "acceptance_id": acceptance.id, "name": data.get("name"),
                               "contact": data["contact"], "content": data["content"]})
        tx.commit()
        return objection.id


def _objection_fields(sent: Mapping[str, Any]) -> dict[str, Any]:
    """The objection's fields, or :class:`Invalid` naming each one that is wrong."""
    try:
        errors = text_errors(dict(sent))
    except TooDeep as exc:
        raise Invalid("the objection is invalid (异议内容有误)", {"_body": [str(exc)]}) from None
    if errors:
        raise Invalid("the objection is invalid (异议内容有误)", errors)
    try:
        loaded: dict[str, Any] = ObjectionIn().load(sent)
    except ValidationError as exc:
        raise Invalid("the objection is invalid (异议内容有误)", flatten_errors(exc.messages)) from None
    return loaded


def explain_event(db: Database, actor: Actor, acceptance_id: int, event: str, now: datetime) -> dict[str, Any]:
    spec = events.spec_of(workflow(), event)
    with db.reading() as tx:
        acceptance, contract, _ = load_acceptance(tx.session, actor, acceptance_id)
        facts = _facts(tx.session, acceptance, contract, actor, now)
        return events.explanation(workflow(), spec, actor, acceptance.state, facts)


def actions(db: Database, actor: Actor, acceptance_id: int, now: datetime) -> list[dict[str, Any]]:
    """The acceptance events of the actor's role from its state, each allowed or with why not (the UI)."""
    with db.reading() as tx:
        acceptance, contract, _ = load_acceptance(tx.session, actor, acceptance_id)
        facts = _facts(tx.session, acceptance, contract, actor, now)
        return events.actions(workflow(), actor, acceptance.state, facts)


def notice_view(notice: Notice, *, public: bool = False) -> dict[str, Any]:
    return {
        "id": notice.id,
        "published_at": notice.published_at.isoformat(),
        "ends_at": notice.ends_at.isoformat(),
        "ends_on": local_date(notice.ends_at - _SECOND).isoformat(),
        "days": notice.days,
        "working_days": notice.working_days,
        "closed_at": None if notice.closed_at is None else notice.closed_at.isoformat(),
        "objections": [
            {"id": o.id, "content": o.content, "created_at": o.created_at.isoformat(), "decision": o.decision,
             "note": o.decision_note, **({} if public else {"name": o.name, "contact": o.contact})}
            for o in notice.objections
        ],
    }


def acceptance_view(session: Session, acceptance: Acceptance, contract: Contract, actor: Actor,
                    now: datetime) -> dict[str, Any]:
    notice = acceptance.notices[-1] if acceptance.notices else None
    facts = _facts(session, acceptance, contract, actor, now)
    shown = notice_view(notice, public=is_contractor(actor)) if notice else None  # objectors stay unnamed
    return {
        "id": acceptance.id,
        "contract_id": acceptance.contract_id,
        "project_id": acceptance.project_id,
        "kind": acceptance.kind,
        "stage": acceptance.stage,
        "state": acceptance.state,
        "state_label": events.state_label(workflow(), acceptance.state),
        "note": acceptance.note,
        "attempt": acceptance.attempt,
        "verdicts": [{"line_id": v.line_id, "result": v.result, "accepted_amount": format_yuan(v.accepted_amount),
                      "note": v.note} for v in acceptance.verdicts],
        "accepted_total": format_yuan(sum((v.accepted_amount for v in acceptance.verdicts), _ZERO)),
        "verdict_by": acceptance.verdict_by,
        "approved_by": acceptance.approved_by,
        "notice": None if shown is None else {k: v for k, v in shown.items() if k != "objections"},
        "objections": [] if shown is None else shown["objections"],
        "rectify_deadline": None if acceptance.rectify_deadline is None else acceptance.rectify_deadline.isoformat(),
        "documents": [{"id": d.id, "filename": d.filename, "sha256": d.sha256} for d in session.scalars(
            select(Document).where(Document.acceptance_id == acceptance.id).order_by(Document.id))],
        "allowed_events": [e for e in events.allowed(workflow(), actor, acceptance.state, facts) if e != "object"],
        "created_at": acceptance.created_at.isoformat(),
        "updated_at": acceptance.updated_at.isoformat(),
    }


def get_acceptance(db: Database, actor: Actor, acceptance_id: int, now: datetime) -> dict[str, Any]:
    with db.reading() as tx:
        acceptance, contract, _ = load_acceptance(tx.session, actor, acceptance_id)
        return acceptance_view(tx.session, acceptance, contract, actor, now)


def list_acceptances(db: Database, actor: Actor, contract_id: int, now: datetime) -> dict[str, Any]:
    with db.reading() as tx:
        contract, _ = load_contract(tx.session, actor, contract_id)
        rows = tx.session.scalars(select(Acceptance).where(Acceptance.contract_id == contract.id)
                                  .order_by(Acceptance.id)).all()
        return pages.whole([acceptance_view(tx.session, a, contract, actor, now) for a in rows])


def list_in_jurisdiction(db: Database, actor: Actor, states: tuple[str, ...] | None = None, *, page: int = 1,
                         per_page: int = 20) -> dict[str, Any]:
    """Acceptances the actor may see, optionally in the given states, the longest-waiting first (e.g. the
    leading group's ``notice_clear`` ones, seed 004 §5(5)3). A contractor sees those on its own contracts;
    everyone else those in its region's subtree (SPEC §6)."""
    with db.reading() as tx:
        where: list[Any] = [jurisdiction_clause(actor)]
        if states:
            where.append(Acceptance.state.in_(states))
        joined = (select(Acceptance, Project.name, Contract.lot, Contractor.name)
                  .join(Project, Project.id == Acceptance.project_id).join(Region, Region.code == Project.region_code)
                  .join(Contract, Contract.id == Acceptance.contract_id)
                  .join(Contractor, Contractor.id == Contract.contractor_id).where(*where))
        total = tx.session.scalar(select(func.count()).select_from(joined.subquery())) or 0
        rows = tx.session.execute(joined.order_by(Acceptance.updated_at, Acceptance.id)
                                  .offset((page - 1) * per_page).limit(per_page)).all()
        items = []
        for a, project_name, lot, contractor_name in rows:
            notice = a.notices[-1] if a.notices else None
            items.append({
                "id": a.id, "project_id": a.project_id, "project_name": project_name, "contract_id": a.contract_id,
                "lot": lot, "contractor_name": contractor_name, "kind": a.kind, "stage": a.stage, "state": a.state,
                "state_label": events.state_label(workflow(), a.state),
                "accepted_total": format_yuan(sum((v.accepted_amount for v in a.verdicts), _ZERO)),
                "notice_ends_at": None if notice is None else notice.ends_at.isoformat(),
                "updated_at": a.updated_at.isoformat()})
        return pages.page(items, total, page, per_page)


def history(db: Database, actor: Actor, acceptance_id: int) -> list[dict[str, Any]]:
    """The acceptance's steps from the audit log, in order: who applied, reviewed, published, approved, and when."""
    with db.reading() as tx:
        acceptance, _, project = load_acceptance(tx.session, actor, acceptance_id)
        return audit.entity_history(tx.session, project.id, "acceptance", acceptance.id)
