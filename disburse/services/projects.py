"""Project use cases: create from a plan, read, explain and fire workflow events (SPEC §5.1).

Every event runs in one transaction that also writes its audit entry; a refused
event changes nothing and says why (code, zh/en message, clause).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    AuditEntry,
    BudgetLine,
    Clawback,
    Contract,
    Document,
    Evaluation,
    FundingSource,
    Phase,
    Project,
    Recovery,
    Region,
    Target,
    TenderRound,
    utcnow,
)
from disburse.domain import contracts as domain_contracts
from disburse.domain import plan as domain_plan
from disburse.domain.ledger import EMPTY, Ledger, allocate
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.project_guards import PROJECT_GUARDS, ProjectFacts, SurplusClaim
from disburse.domain.roles import PROJECT_READERS, Role, within
from disburse.domain.unmet import Unmet
from disburse.domain.workflow import TransitionSpec, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.services import events, pages
from disburse.services.access import audit_clause, contractor_holds, figures_scope, is_contractor, load_project
from disburse.services.audit import entry_view
from disburse.services.context import Actor, Origin
from disburse.services.errors import Forbidden, Invalid
from disburse.services.ledger import contract_ledgers, project_ledger

#: Roles that create projects from plans; the system actor is the command line.
PLAN_AUTHORS = frozenset({"commerce", "system"})


@cache
def workflow() -> Workflow[ProjectFacts]:
    """The project workflow, loaded once from ``workflows/project.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "project.yaml", PROJECT_GUARDS)


# --- creating -------------------------------------------------------------------------------


def create_project(db: Database, actor: Actor, origin: Origin, plan: domain_plan.Plan,
                   source: Mapping[str, Any] | None = None, now: datetime | None = None) -> int:
    """Create a project in ``plan_drafted`` from a validated plan (SPEC §11.1 ``POST /projects``).

    The region must be a county inside the author's jurisdiction. ``now`` is the
    app's clock (the scheduler follows reports from the month the project exists).
    """
    now = now or utcnow()
    if actor.role not in PLAN_AUTHORS:
        raise Forbidden(f"the role {actor.role} may not create projects", audit=True)
    with db.writing() as tx:
        region = tx.session.get(Region, plan.region)
        if region is None:
            raise Invalid("invalid plan", {"region": [f"no region with code {plan.region}"]})
        if region.level != "county":
            raise Invalid("invalid plan", {"region": [f"{plan.region} {region.name} is not a county"]})
        if not within(region.path, actor.region_path):
            raise Invalid("invalid plan", {"region": [f"{plan.region} is outside your jurisdiction"]})
        project = Project(
            region_code=plan.region, name=plan.name, doc_no=plan.doc_no, rule_set=plan.rule_set,
            total=plan.total, state=workflow().initial, period_start=plan.period_start,
            period_end=plan.period_end, subtotals={k: format_yuan(v) for k, v in plan.subtotals.items()},
            source=dict(source) if source else None, created_by=actor.id, created_at=now, updated_at=now,
        )
        for f in plan.funding:
            if f.predecessor is not None and tx.session.get(Project, f.predecessor) is None:
                raise Invalid("invalid plan", {"funding": [f"no predecessor project {f.predecessor}"]})
        project.funding = [FundingSource(position=i, source=f.source, amount=f.amount, note=f.note,
                                         predecessor_id=f.predecessor)
                           for i, f in enumerate(plan.funding)]
        project.phases = [Phase(position=i, name=p.name, start=p.start, end=p.end, note=p.note)
                          for i, p in enumerate(plan.phases)]
        project.lines = [
            BudgetLine(position=i, ref=line.ref, category=line.category, item=line.item,
                       amount=line.amount, tags=list(line.tags), responsible=list(line.responsible),
                       cooperating=list(line.cooperating), deadline=line.deadline, note=line.note)
            for i, line in enumerate(plan.lines)
        ]
        project.targets = [Target(position=i, name=t.name, unit=t.unit, target=t.target, note=t.note)
                           for i, t in enumerate(plan.targets)]
        tx.session.add(project)
        tx.session.flush()
        audit_log.append(
            tx.session, action="project.create", actor=actor, origin=origin, entity_type="project",
            entity_id=project.id, project_id=project.id, to_state=project.state,
            data={"name": plan.name, "region": plan.region, "rule_set": plan.rule_set,
                  "total": format_yuan(plan.total), "lines": len(plan.lines)},
        )
        tx.commit()
        return project.id


def check_plan_document(plan: domain_plan.Plan) -> list[Unmet]:
    """What ``file`` would refuse in this plan under its rule set (``disburse plans check``)."""
    facts = ProjectFacts(plan=plan, rules=rulesets.load(plan.rule_set), state=workflow().initial)
    spec = workflow().event("file")
    assert spec is not None
    return workflow().guard_unmet(spec, facts)


# --- reading --------------------------------------------------------------------------------


def to_plan(project: Project) -> domain_plan.Plan:
    """The domain's view of a stored project's plan."""
    return domain_plan.Plan(
        name=project.name, region=project.region_code, rule_set=project.rule_set, total=project.total,
        doc_no=project.doc_no,
        funding=tuple(domain_plan.FundingSource(f.source, f.amount, f.note, f.predecessor_id)
                      for f in project.funding),
        period_start=project.period_start, period_end=project.period_end,
        phases=tuple(domain_plan.Phase(p.name, p.start, p.end, p.note) for p in project.phases),
        lines=tuple(
            domain_plan.BudgetLine(
                category=line.category, item=line.item, amount=line.amount, tags=tuple(line.tags),
                ref=line.ref, responsible=tuple(line.responsible), cooperating=tuple(line.cooperating),
                deadline=line.deadline, note=line.note, id=line.id,
            )
            for line in project.lines
        ),
        subtotals={k: Decimal(v) for k, v in (project.subtotals or {}).items()},
        targets=tuple(domain_plan.Target(t.name, Decimal(t.target) if t.target else None, t.unit, t.note)
                      for t in project.targets),
    )


def contract_facts(contract: Contract, final_approved: bool = False) -> domain_contracts.Contract:
    """The domain's view of a stored contract."""
    c = contract.contractor
    return domain_contracts.Contract(
        lot=contract.lot, amount=contract.amount, line_ids=tuple(cl.line_id for cl in contract.lines),
        contractor=domain_contracts.Contractor(c.name, c.credit_code, dict(c.declarations or {})),
        schedule=schedule_of(contract), id=contract.id, final_approved=final_approved,
    )


def schedule_of(contract: Contract) -> domain_contracts.Schedule:
    return domain_contracts.Schedule(
        advance=Decimal(contract.advance_share),
        stages=tuple(domain_contracts.Stage(s["name"], Decimal(s["share"])) for s in contract.stages),
        final=Decimal(contract.final_share),
    )


def contracted_sum(session: Session, project_id: int) -> Decimal:
    amounts = session.scalars(select(Contract.amount).where(Contract.project_id == project_id))
    return sum(amounts, Decimal(0))


def _surplus_claims(session: Session, project: Project) -> tuple[SurplusClaim, ...]:
    """Each predecessor's surplus, less what other filed follow-ups already took (seed 000 §7)."""
    claims = []
    for source in project.funding:
        if source.predecessor_id is None:
            continue
        predecessor = session.scalar(
            select(Project).where(Project.id == source.predecessor_id).with_for_update(of=Project))
        assert predecessor is not None
        available: Decimal | None = None
        if predecessor.state not in ("plan_drafted", "filed", "tendered"):
            taken = session.scalars(
                select(FundingSource.amount).join(Project, Project.id == FundingSource.project_id).where(
                    FundingSource.predecessor_id == predecessor.id, FundingSource.project_id != project.id,
                    Project.state != "plan_drafted"))
            available = predecessor.total - contracted_sum(session, predecessor.id) - sum(taken, Decimal(0))
        claims.append(SurplusClaim(predecessor.id, source.amount, available,
                                   predecessor.region_code == project.region_code))
    return tuple(claims)


@dataclass(frozen=True)
class _Held:
    """What a project holds now, read once for its guards and its view."""

    contracts: tuple[Contract, ...]
    approved_finals: frozenset[int]
    rounds: tuple[TenderRound, ...]
    ledger: Ledger


def _held(session: Session, project: Project) -> _Held:
    contracts = session.scalars(select(Contract).where(Contract.project_id == project.id)
                                .options(selectinload(Contract.lines)).order_by(Contract.id)).unique().all()
    approved_finals = frozenset(session.scalars(select(Acceptance.contract_id).where(
        Acceptance.project_id == project.id, Acceptance.kind == "final", Acceptance.state == "approved")))
    rounds = session.scalars(select(TenderRound).where(TenderRound.project_id == project.id)
                             .order_by(TenderRound.round)).all()
    return _Held(tuple(contracts), approved_finals, tuple(rounds), project_ledger(session, project.id))


def _facts(session: Session, project: Project, data: Mapping[str, Any] | None = None,
           held: _Held | None = None) -> ProjectFacts:
    held = held or _held(session, project)
    facts_data = dict(data or {})
    if project.state == "clawback":
        due = session.scalar(select(Clawback.amount).where(Clawback.project_id == project.id))
        facts_data["clawback_due"] = due or Decimal(0)
    return ProjectFacts(
        plan=to_plan(project), rules=rulesets.load(project.rule_set), state=project.state,
        previous_state=project.previous_state, disbursed=held.ledger.disbursed, in_flight=held.ledger.in_flight,
        contracts=tuple(contract_facts(c, c.id in held.approved_finals) for c in held.contracts),
        tender_rounds=tuple(_round_view(r) for r in held.rounds),
        surplus_claims=_surplus_claims(session, project) if project.state == "plan_drafted" else (),
        data=facts_data,
    )


def allowed_events(session: Session, project: Project, actor: Actor, held: _Held | None = None) -> list[str]:
    """The events this actor could fire now: its role, the state and every guard agree."""
    return events.allowed(workflow(), actor, project.state, _facts(session, project, held=held))


def _round_view(r: TenderRound) -> dict[str, Any]:
    return {"round": r.round, "method": r.method, "packaging": r.packaging,
            "announced_on": r.announced_on.isoformat(), "reference": r.reference, "outcome": r.outcome,
            "failed_note": r.failed_note}


def project_view(session: Session, project: Project, actor: Actor) -> dict[str, Any]:
    """A project as the API returns it (SPEC §11.1 ``GET /projects/{id}``)."""
    lines_sum = sum((line.amount for line in project.lines if line.amount is not None), Decimal(0))
    held = _held(session, project)
    contracts, ledger = figures_scope(actor, list(held.contracts)), held.ledger
    if len(contracts) < len(held.contracts):  # a contractor's figures are its own contracts' (SPEC §6)
        ledgers = contract_ledgers(session, project.id)
        ledger = sum((ledgers[c.id] for c in contracts), EMPTY)
    contracted = sum((c.amount for c in contracts), Decimal(0))
    rounds = [_round_view(r) for r in held.rounds]
    evaluation = session.scalar(select(Evaluation).where(Evaluation.project_id == project.id)
                                .order_by(Evaluation.id.desc()).limit(1))
    clawback = session.scalar(select(Clawback).where(Clawback.project_id == project.id))
    return {
        "id": project.id,
        "name": project.name,
        "doc_no": project.doc_no,
        "region": {"code": project.region.code, "name": project.region.name},
        "rule_set": project.rule_set,
        "state": project.state,
        "state_label": events.state_label(workflow(), project.state),
        "previous_state": project.previous_state,
        "total": format_yuan(project.total),
        "total_wan": format_wan(project.total),
        "lines_total": format_yuan(lines_sum),
        "contracted": format_yuan(contracted),
        "disbursed": format_yuan(ledger.disbursed),
        "in_flight": format_yuan(ledger.in_flight),
        "recovered": format_yuan(ledger.recovered),
        "surplus": None if is_contractor(actor) else format_yuan(project.total - contracted),
        "period": {"start": _iso(project.period_start), "end": _iso(project.period_end)},
        "funding": [{"source": f.source, "amount": format_yuan(f.amount), "note": f.note,
                     "predecessor": f.predecessor_id} for f in project.funding],
        "phases": [{"name": p.name, "start": _iso(p.start), "end": _iso(p.end), "note": p.note}
                   for p in project.phases],
        "subtotals": project.subtotals or {},
        "lines": [
            {"id": line.id, "ref": line.ref, "category": line.category, "item": line.item,
             "amount": None if line.amount is None else format_yuan(line.amount), "tags": line.tags,
             "responsible": line.responsible, "cooperating": line.cooperating,
             "deadline": _iso(line.deadline), "note": line.note}
            for line in project.lines
        ],
        "targets": [{"name": t.name, "unit": t.unit, "target": t.target, "actual": t.actual, "note": t.note}
                    for t in project.targets],
        "tender": {"rounds": rounds, "current": rounds[-1] if rounds else None},
        "contracts": [{"id": c.id, "lot": c.lot, "contractor_name": c.contractor.name,
                       "amount": format_yuan(c.amount)} for c in contracts],
        "evaluation": None if evaluation is None else {
            "result": evaluation.result, "evaluator": evaluation.evaluator,
            "document_id": evaluation.document_id, "recorded_at": evaluation.recorded_at.isoformat()},
        "clawback": None if clawback is None else {
            "amount": format_yuan(clawback.amount), "reason": clawback.reason,
            "recovered_amount": None if clawback.recovered_amount is None else format_yuan(clawback.recovered_amount),
            "recovered_on": _iso(clawback.recovered_on)},
        "allowed_events": allowed_events(session, project, actor, held),
        "created_at": project.created_at.isoformat(),
        "updated_at": project.updated_at.isoformat(),
    }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def get_project(db: Database, actor: Actor, project_id: int) -> dict[str, Any]:
    with db.reading() as tx:
        return project_view(tx.session, load_project(tx.session, actor, project_id), actor)


def list_projects(db: Database, actor: Actor, *, state: str | None = None, region: str | None = None,
                  page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Projects in the actor's jurisdiction, newest first, filtered by state and region subtree."""
    if actor.role not in PROJECT_READERS:
        raise Forbidden(f"the role {actor.role} has no access to projects", audit=True)
    with db.reading() as tx:
        stmt = select(Project).join(Project.region)
        if actor.role == Role.CONTRACTOR:
            stmt = stmt.where(contractor_holds(actor, Project.id))  # type: ignore[arg-type]
        else:
            stmt = stmt.where(Region.path.startswith(actor.region_path))
        if state:
            stmt = stmt.where(Project.state == state)
        if region:
            root = tx.session.get(Region, region)
            if root is None:
                return pages.page([], 0, page, per_page)
            stmt = stmt.where(Region.path.startswith(root.path))
        total = tx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = tx.session.scalars(
            stmt.order_by(Project.id.desc()).offset((page - 1) * per_page).limit(per_page)
        ).unique().all()
        items = [
            {"id": p.id, "name": p.name, "region": {"code": p.region.code, "name": p.region.name},
             "rule_set": p.rule_set, "state": p.state, "state_label": events.state_label(workflow(), p.state),
             "total": format_yuan(p.total), "total_wan": format_wan(p.total)}
            for p in rows
        ]
        return pages.page(items, total, page, per_page)


def project_audit(db: Database, actor: Actor, project_id: int, *, page: int = 1,
                  per_page: int = 50) -> dict[str, Any]:
    """The project's audit entries in log order (SPEC §11.1 ``GET /projects/{id}/audit``)."""
    with db.reading() as tx:
        load_project(tx.session, actor, project_id)
        where = and_(AuditEntry.project_id == project_id, audit_clause(actor))
        total = tx.session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0
        rows = tx.session.scalars(
            select(AuditEntry).where(where).order_by(AuditEntry.seq)
            .offset((page - 1) * per_page).limit(per_page)
        ).all()
        return pages.page([entry_view(e) for e in rows], total, page, per_page)


# --- events ---------------------------------------------------------------------------------


def explain_event(db: Database, actor: Actor, project_id: int, event: str) -> dict[str, Any]:
    """Whether the actor may fire ``event`` now and, if not, why — changing nothing."""
    spec = events.spec_of(workflow(), event)
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        return events.explanation(workflow(), spec, actor, project.state, _facts(tx.session, project))


def actions(db: Database, actor: Actor, project_id: int) -> list[dict[str, Any]]:
    """The project events of the actor's role from its state, each allowed or with why not (the UI)."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        return events.actions(workflow(), actor, project.state, _facts(tx.session, project))


def fire_event(db: Database, actor: Actor, origin: Origin, project_id: int, event: str,
               data: Mapping[str, Any]) -> dict[str, Any]:
    """Fire a workflow event on a project: check, move, record — in one transaction."""
    spec = events.spec_of(workflow(), event)
    with db.writing() as tx:
        project = load_project(tx.session, actor, project_id, lock=True)
        fire_in(tx.session, actor, origin, project, spec, data)
        view = project_view(tx.session, project, actor)
        tx.commit()
        return view


def fire_in(session: Session, actor: Actor, origin: Origin, project: Project, spec: TransitionSpec,
            data: Mapping[str, Any]) -> None:
    """Fire ``spec`` on a loaded (and locked) project inside the caller's transaction.

    Used by :func:`fire_event` and by other use cases whose step moves the project too (the first
    acceptance application fires ``start_acceptance``).
    """
    facts = _facts(session, project, data)
    events.check(workflow(), spec, actor, project.state, data, facts)
    before = project.state
    after = workflow().target(spec, project.state, facts)
    record = _apply(session, actor, project, spec, before, after, data)
    project.state = after
    project.updated_at = utcnow()
    audit_log.append(
        session, action=f"project.{spec.trigger}", actor=actor, origin=origin, entity_type="project",
        entity_id=project.id, project_id=project.id, from_state=before, to_state=after,
        data=record, note=data.get("note"),
    )


def _apply(session: Session, actor: Actor, project: Project, spec: TransitionSpec, before: str,
           after: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The event's effect besides the state, returned as what the audit entry records."""
    event = spec.trigger
    if event in ("open_tender", "reannounce_tender"):
        number = 1 + len(session.scalars(select(TenderRound.id).where(TenderRound.project_id == project.id)).all())
        tender = TenderRound(project_id=project.id, round=number, method=data["method"],
                             packaging=data["packaging"], announced_on=data["announced_on"],
                             reference=data.get("reference"), outcome="open")
        session.add(tender)
        session.flush()
        return {"tender": _round_view(tender)}
    if event == "tender_failed":
        current = session.scalar(select(TenderRound).where(TenderRound.project_id == project.id)
                                 .order_by(TenderRound.round.desc()).limit(1))
        assert current is not None
        current.outcome, current.failed_note = "failed", data.get("note")
        return {"round": current.round, "outcome": "failed"}
    if event == "select_contractor":
        return {"contracted": format_yuan(contracted_sum(session, project.id))}
    if event in ("pass_audit", "fail_audit"):
        return _record_evaluation(session, actor, project, "passed" if event == "pass_audit" else "failed", data)
    if event == "settle_clawback":
        return _settle_clawback(session, project, data)
    if event == "suspend":
        project.previous_state = before
        return {"left": before}
    if event == "resume":
        project.previous_state = None
        return {"returned_to": after}
    return {}


def _settle_clawback(session: Session, project: Project, data: Mapping[str, Any]) -> dict[str, Any]:
    """Record the recovery against the contracts in proportion to what each was paid, so every
    contract's ledger balances (seed 004 §5(5)4)."""
    clawback = session.scalar(select(Clawback).where(Clawback.project_id == project.id))
    assert clawback is not None
    clawback.recovered_amount, clawback.recovered_on = data["amount"], data["recovered_on"]
    ledgers = sorted(contract_ledgers(session, project.id).items())
    shares = allocate(data["amount"], [ledger.disbursed for _, ledger in ledgers])
    allocation = {}
    for (contract_id, _), share in zip(ledgers, shares, strict=True):
        if share:
            session.add(Recovery(project_id=project.id, contract_id=contract_id, amount=share,
                                 recovered_on=data["recovered_on"]))
            allocation[str(contract_id)] = format_yuan(share)
    return {"recovered_amount": format_yuan(data["amount"]), "recovered_on": data["recovered_on"].isoformat(),
            "allocation": allocation}


def _record_evaluation(session: Session, actor: Actor, project: Project, result: str,
                       data: Mapping[str, Any]) -> dict[str, Any]:
    """The evaluation with each target's actual value (seed 004 附件2; seed 001 §6(2)3 third party)."""
    document_id = data.get("document_id")
    if document_id is not None:
        document = session.get(Document, document_id)
        if document is None or document.project_id != project.id:
            raise Invalid("invalid evaluation", {"document_id": [f"no document {document_id} of this project"]})
    actuals = {t["name"]: t["actual"] for t in data["targets"]}
    for target in project.targets:
        target.actual = actuals.get(target.name)
    session.add(Evaluation(project_id=project.id, result=result, evaluator=data["evaluator"],
                           document_id=data.get("document_id"), recorded_by=actor.id))
    record: dict[str, Any] = {"result": result, "evaluator": data["evaluator"], "targets": actuals,
                              "document_id": data.get("document_id")}
    if result == "failed":
        session.add(Clawback(project_id=project.id, amount=data["amount"], reason=data.get("note")))
        record["amount"] = format_yuan(data["amount"])
    return record
