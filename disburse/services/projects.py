"""Project use cases: create from a plan, read, explain and fire workflow events (SPEC §5.1).

Every event runs in one transaction that also writes its audit entry; a refused
event changes nothing and says why (code, zh/en message, clause).
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import (
    AuditEntry,
    BudgetLine,
    FundingSource,
    Phase,
    Project,
    Region,
    Target,
    utcnow,
)
from disburse.domain import plan as domain_plan
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.project_guards import PROJECT_GUARDS, ProjectFacts
from disburse.domain.roles import PROJECT_READERS, within
from disburse.domain.unmet import Unmet
from disburse.domain.workflow import TransitionSpec, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.services.audit import entry_view
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid, NotFound

#: Roles that create projects from plans; the system actor is the command line.
PLAN_AUTHORS = frozenset({"commerce", "system"})


@cache
def workflow() -> Workflow[ProjectFacts]:
    """The project workflow, loaded once from ``workflows/project.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "project.yaml", PROJECT_GUARDS)


# --- creating -------------------------------------------------------------------------------


def create_project(db: Database, actor: Actor, origin: Origin, plan: domain_plan.Plan,
                   source: Mapping[str, Any] | None = None) -> int:
    """Create a project in ``plan_drafted`` from a validated plan (SPEC §11.1 ``POST /projects``).

    The region must be a county inside the author's jurisdiction.
    """
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
            source=dict(source) if source else None, created_by=actor.id,
        )
        project.funding = [FundingSource(position=i, source=f.source, amount=f.amount, note=f.note)
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


def _load(session: Session, actor: Actor, project_id: int, *, lock: bool = False) -> Project:
    """The project, if it exists and lies in the actor's jurisdiction; 404 otherwise (SPEC §6)."""
    if actor.role not in PROJECT_READERS:
        raise Forbidden(f"the role {actor.role} has no access to projects", audit=True)
    stmt = select(Project).where(Project.id == project_id)
    if lock:
        stmt = stmt.with_for_update(of=Project)
    project = session.scalar(stmt)
    if project is None:
        raise NotFound(f"no project {project_id}")
    if not within(project.region.path, actor.region_path):
        raise NotFound(f"no project {project_id}", audit=True)
    return project


def to_plan(project: Project) -> domain_plan.Plan:
    """The domain's view of a stored project's plan."""
    return domain_plan.Plan(
        name=project.name, region=project.region_code, rule_set=project.rule_set, total=project.total,
        doc_no=project.doc_no,
        funding=tuple(domain_plan.FundingSource(f.source, f.amount, f.note) for f in project.funding),
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


def _facts(project: Project) -> ProjectFacts:
    return ProjectFacts(plan=to_plan(project), rules=rulesets.load(project.rule_set), state=project.state)


def _evaluate(project: Project, actor: Actor, spec: TransitionSpec,
              facts: ProjectFacts | None = None) -> tuple[bool, list[Unmet]]:
    """Can this actor fire this event now? (role, state, guards) → (role ok, unmet)."""
    role_ok = actor.role in spec.roles
    unmet = workflow().state_unmet(spec, project.state)
    if not unmet:
        unmet = workflow().guard_unmet(spec, facts or _facts(project))
    return role_ok, unmet


def allowed_events(project: Project, actor: Actor) -> list[str]:
    """The events this actor could fire now: its role, the state and every guard agree."""
    facts = _facts(project)
    result = []
    for spec in workflow().events_from(project.state):
        role_ok, unmet = _evaluate(project, actor, spec, facts)
        if role_ok and not unmet:
            result.append(spec.trigger)
    return result


def _state_label(state: str | None) -> dict[str, str] | None:
    if state is None:
        return None
    spec = workflow().states[state]
    return {"zh": spec.zh, "en": spec.en}


def project_view(project: Project, actor: Actor) -> dict[str, Any]:
    """A project as the API returns it (SPEC §11.1 ``GET /projects/{id}``)."""
    lines_sum = sum((line.amount for line in project.lines if line.amount is not None), Decimal(0))
    contracted = Decimal(0)  # contracts arrive with issue 3
    disbursed = Decimal(0)  # payments arrive with issue 4
    return {
        "id": project.id,
        "name": project.name,
        "doc_no": project.doc_no,
        "region": {"code": project.region.code, "name": project.region.name},
        "rule_set": project.rule_set,
        "state": project.state,
        "state_label": _state_label(project.state),
        "previous_state": project.previous_state,
        "total": format_yuan(project.total),
        "total_wan": format_wan(project.total),
        "lines_total": format_yuan(lines_sum),
        "contracted": format_yuan(contracted),
        "disbursed": format_yuan(disbursed),
        "surplus": format_yuan(project.total - contracted),
        "period": {"start": _iso(project.period_start), "end": _iso(project.period_end)},
        "funding": [{"source": f.source, "amount": format_yuan(f.amount), "note": f.note}
                    for f in project.funding],
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
        "tender": project.tender,
        "allowed_events": allowed_events(project, actor),
        "created_at": project.created_at.isoformat(),
        "updated_at": project.updated_at.isoformat(),
    }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def get_project(db: Database, actor: Actor, project_id: int) -> dict[str, Any]:
    with db.reading() as tx:
        return project_view(_load(tx.session, actor, project_id), actor)


def list_projects(db: Database, actor: Actor, *, state: str | None = None, region: str | None = None,
                  page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Projects in the actor's jurisdiction, newest first, filtered by state and region subtree."""
    if actor.role not in PROJECT_READERS:
        raise Forbidden(f"the role {actor.role} has no access to projects", audit=True)
    with db.reading() as tx:
        stmt = select(Project).join(Project.region).where(Region.path.startswith(actor.region_path))
        if state:
            stmt = stmt.where(Project.state == state)
        if region:
            root = tx.session.get(Region, region)
            if root is None:
                return _page([], 0, page, per_page)
            stmt = stmt.where(Region.path.startswith(root.path))
        total = tx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = tx.session.scalars(
            stmt.order_by(Project.id.desc()).offset((page - 1) * per_page).limit(per_page)
        ).unique().all()
        items = [
            {"id": p.id, "name": p.name, "region": {"code": p.region.code, "name": p.region.name},
             "rule_set": p.rule_set, "state": p.state, "state_label": _state_label(p.state),
             "total": format_yuan(p.total), "total_wan": format_wan(p.total)}
            for p in rows
        ]
        return _page(items, total, page, per_page)


def _page(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def project_audit(db: Database, actor: Actor, project_id: int, *, page: int = 1,
                  per_page: int = 50) -> dict[str, Any]:
    """The project's audit entries in log order (SPEC §11.1 ``GET /projects/{id}/audit``)."""
    with db.reading() as tx:
        _load(tx.session, actor, project_id)
        where = AuditEntry.project_id == project_id
        total = tx.session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0
        rows = tx.session.scalars(
            select(AuditEntry).where(where).order_by(AuditEntry.seq)
            .offset((page - 1) * per_page).limit(per_page)
        ).all()
        return _page([entry_view(e) for e in rows], total, page, per_page)


# --- events ---------------------------------------------------------------------------------


def _spec(event: str) -> TransitionSpec:
    spec = workflow().event(event)
    if spec is None:
        known = ", ".join(workflow().transitions)
        raise Invalid("unknown event", {"event": [f"unknown event {event!r}; one of {known}"]})
    return spec


def explain_event(db: Database, actor: Actor, project_id: int, event: str) -> dict[str, Any]:
    """Whether the actor may fire ``event`` now and, if not, why — changing nothing."""
    spec = _spec(event)
    with db.reading() as tx:
        project = _load(tx.session, actor, project_id)
        role_ok, unmet = _evaluate(project, actor, spec)
    if not role_ok:
        unmet = [_role_unmet(spec, actor), *unmet]
    return {
        "event": event,
        "label": {"zh": spec.zh, "en": spec.en},
        "allowed": not unmet,
        "unmet": unmet,
        "requires": list(spec.requires),
        "roles": list(spec.roles),
        "clause": spec.clause,
    }


def _role_unmet(spec: TransitionSpec, actor: Actor) -> Unmet:
    roles = ", ".join(spec.roles)
    return Unmet("role_not_allowed", f"角色“{actor.role}”无权执行“{spec.zh}”（限 {roles}）",
                 f"The role '{actor.role}' may not '{spec.en}' (only {roles})", spec.clause)


def fire_event(db: Database, actor: Actor, origin: Origin, project_id: int, event: str,
               data: Mapping[str, Any]) -> dict[str, Any]:
    """Fire a workflow event on a project: check, move, record — in one transaction."""
    spec = _spec(event)
    missing = {name: [f"required for {event} ({spec.zh}时必填)"] for name in spec.requires
               if data.get(name) in (None, "", [])}
    with db.writing() as tx:
        project = _load(tx.session, actor, project_id, lock=True)
        if actor.role not in spec.roles:
            raise Forbidden(_role_unmet(spec, actor).en, audit=True, unmet=[_role_unmet(spec, actor)])
        wrong_state = workflow().state_unmet(spec, project.state)
        if wrong_state:
            raise Conflict(wrong_state[0].en, wrong_state)
        if missing:
            raise Invalid(f"{event} needs more data", missing)
        unmet = workflow().guard_unmet(spec, _facts(project))
        if unmet:
            raise Conflict(f"{event} is not possible yet: {len(unmet)} condition(s) unmet", unmet)
        before = project.state
        after = workflow().target(spec, project.state, project.previous_state)
        record = _apply(project, spec, before, after, data)
        project.state = after
        project.updated_at = utcnow()
        audit_log.append(
            tx.session, action=f"project.{event}", actor=actor, origin=origin, entity_type="project",
            entity_id=project.id, project_id=project.id, from_state=before, to_state=after,
            data=record, note=data.get("note"),
        )
        tx.commit()
        return project_view(project, actor)


def _apply(project: Project, spec: TransitionSpec, before: str, after: str,
           data: Mapping[str, Any]) -> dict[str, Any]:
    """The event's effect besides the state, returned as what the audit entry records."""
    if spec.trigger == "open_tender":
        project.tender = {
            "method": data["method"],
            "packaging": data["packaging"],
            "announced_on": data["announced_on"].isoformat(),
            "reference": data.get("reference"),
        }
        return {"tender": project.tender}
    if spec.trigger == "suspend":
        project.previous_state = before
        return {"left": before}
    if spec.trigger == "resume":
        project.previous_state = None
        return {"returned_to": after}
    return {}
