"""Project use cases: create from a plan, read, explain and fire workflow events (SPEC §5.1).

Every event runs in one transaction that also writes its audit entry; a refused
event changes nothing and says why (code, zh/en message, clause).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    Application,
    AuditEntry,
    BudgetLine,
    Call,
    Contract,
    Document,
    Evaluation,
    FundingSource,
    Phase,
    PlanVersion,
    Project,
    Region,
    RuleSetVersion,
    Target,
    TenderRound,
)
from disburse.clock import REAL
from disburse.domain import contracts as domain_contracts
from disburse.domain import plan as domain_plan
from disburse.domain import plan_diff
from disburse.domain.ledger import EMPTY, Ledger
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.project_guards import PROJECT_GUARDS, ProjectFacts, SurplusClaim
from disburse.domain.roles import PROJECT_READERS, Role, within
from disburse.domain.states import AcceptanceState, ProjectEvent, ProjectState, RecoveryEvent
from disburse.domain.unmet import Unmet
from disburse.domain.workflow import Functions, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.schemas.plan import dump_plan, load_plan
from disburse.services import allocations, engine, pages, recoveries
from disburse.services.access import (
    audit_clause,
    contractor_holds,
    figures_scope,
    hidden,
    is_contractor,
    load_project,
)
from disburse.services.audit import entry_view
from disburse.services.context import Actor, Origin
from disburse.services.engine import RowState, Step
from disburse.services.errors import Forbidden, Invalid
from disburse.services.ledger import contract_ledgers
from disburse.services.views import (
    ContractRef,
    EvaluationView,
    FundingView,
    LineView,
    PhaseView,
    ProjectView,
    TargetView,
    TenderRoundView,
    VersionView,
)

#: Roles that create projects from plans; the system actor is the command line.
PLAN_AUTHORS = frozenset({"commerce", "system"})


# --- effects: what an event does besides moving the state (named in workflows/project.yaml) ---------


def open_tender_round(step: Step[Project, ProjectFacts]) -> None:
    """A tender round (招标), the first or the next after a failed one (seed 004 §5(2))."""
    data = step.data
    tender = TenderRound(project_id=step.entity.id, round=1 + len(step.facts.tender_rounds), method=data["method"],
                         packaging=data["packaging"], announced_on=data["announced_on"],
                         reference=data.get("reference"), outcome="open")
    step.add(tender)
    step.facts = replace(step.facts, tender_rounds=(*step.facts.tender_rounds, _round_view(tender)))
    step.record["tender"] = _round_view(tender)


def close_tender_round(step: Step[Project, ProjectFacts]) -> None:
    """The current round failed (流标), with the reason."""
    current: TenderRound = step.target.parents["held"].rounds[-1]
    current.outcome, current.failed_note = "failed", step.data.get("note")
    step.facts = replace(step.facts, tender_rounds=(*step.facts.tender_rounds[:-1], _round_view(current)))
    step.record.update(round=current.round, outcome="failed")


def record_contracted(step: Step[Project, ProjectFacts]) -> None:
    step.record["contracted"] = format_yuan(sum((c.amount for c in step.facts.contracts), Decimal(0)))


def record_evaluation(step: Step[Project, ProjectFacts]) -> None:
    """The evaluation with each target's actual value (seed 004 附件2; seed 001 §6(2)3 third party)."""
    project, data = step.entity, step.data
    result = "passed" if step.spec.trigger == ProjectEvent.PASS_AUDIT else "failed"
    actuals = {t["name"]: t["actual"] for t in data["targets"]}
    for target in project.targets:
        target.actual = actuals.get(target.name)
    step.add(Evaluation(project_id=project.id, result=result, evaluator=data["evaluator"],
                        document_id=data.get("document_id"), recorded_by=step.actor.id, recorded_at=step.now))
    step.record.update(result=result, evaluator=data["evaluator"], targets=actuals,
                       document_id=data.get("document_id"))


def order_recovery(step: Step[Project, ProjectFacts]) -> None:
    """A failed evaluation orders its recovery (seed 004 §5(5)4): a recovery on the basis ``failed_evaluation``
    for the amount given, fired by the system in this transaction through the recovery workflow, whose guards
    hold it within what was disbursed (issue 17). An amount of 0 orders none: nothing was paid to recover."""
    project, amount = step.entity, step.data["amount"]
    step.record["amount"] = format_yuan(amount)
    if amount == 0:
        return
    data = {"basis": "failed_evaluation", "amount": amount, "document_id": step.data.get("document_id"),
            "reason": step.data.get("note") or f"绩效评价未通过（{step.data['evaluator']}）"}
    assert step.cascade is not None
    step.cascade(recoveries.SUBJECT, engine.Target(recoveries.new_order(project, data, step.now), project),
                 RecoveryEvent.ORDER, data)
    step.facts = replace(step.facts, recovery_outstanding=step.facts.recovery_outstanding + amount)


def record_recovered(step: Step[Project, ProjectFacts]) -> None:
    """``settle_clawback``: the project closes with everything ordered back received (its recoveries say how)."""
    step.record["outstanding"] = format_yuan(step.facts.recovery_outstanding)


def write_plan(step: Step[Project, ProjectFacts]) -> None:
    """``edit_plan``: the draft becomes the plan sent (SPEC §13; seed 002's total-only plan is completed so);
    the audit entry says what changed, field by field, old → new."""
    project, plan = step.entity, step.data["plan"]
    if plan.rule_version is None and plan.rule_set == project.rule_set:
        plan = replace(plan, rule_version=None)
    pinned: rulesets.Pinned = step.target.parents["pinned"]
    if not step.target.parents["pin_kept"]:
        step.add(RuleSetVersion(sha256=pinned.sha256, rule_set=pinned.rule_set, version=pinned.version,
                                content=pinned.content, first_used_at=step.now))
    changes = plan_diff.diff(step.facts.plan, replace(plan, rule_version=pinned.version))
    write_plan_rows(project, plan, pinned)
    draft: PlanVersion | None = step.target.parents["draft_version"]

    def snapshot() -> None:  # version 1 is the draft until it is filed: it follows every edit
        document = dump_plan(to_plan(project))
        if draft is None:
            step.add(PlanVersion(project_id=project.id, number=1, plan=document, made_in_state=step.before,
                                 created_by=step.actor.id, created_at=step.now))
        else:
            draft.plan, draft.created_by, draft.created_at = document, step.actor.id, step.now

    step.later(snapshot)
    step.record["changes"] = [c.as_dict() for c in changes]


def remember_state(step: Step[Project, ProjectFacts]) -> None:
    """``suspend`` remembers the state it left, for ``resume`` (SPEC §5.1)."""
    step.entity.previous_state = step.before
    step.facts = replace(step.facts, previous_state=step.before)
    step.record["left"] = step.before


def forget_state(step: Step[Project, ProjectFacts]) -> None:
    step.entity.previous_state = None
    step.record["returned_to"] = step.after


EFFECTS = {f.__name__: f for f in (write_plan, open_tender_round, close_tender_round, record_contracted,
                                   record_evaluation, order_recovery, record_recovered, remember_state,
                                   forget_state)}


@cache
def workflow() -> Workflow[ProjectFacts, Step[Project, ProjectFacts]]:
    """The project workflow, loaded once from ``workflows/project.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "project.yaml", Functions(ProjectState, ProjectEvent, PROJECT_GUARDS,
                                                                    effects=EFFECTS))


class ProjectSubject(RowState[Project, ProjectFacts]):
    """The project workflow's part of the event path (:mod:`disburse.services.engine`)."""

    kind = "project"

    def workflow(self) -> Workflow[ProjectFacts, Step[Project, ProjectFacts]]:
        return workflow()

    def load(self, session: Session, actor: Actor, ident: int, *, lock: bool) -> engine.Target[Project]:
        project = load_project(session, actor, ident, lock=lock)
        return engine.Target(project, project)

    def new(self, session: Session, actor: Actor, parent: int, data: Mapping[str, Any],
            now: datetime) -> engine.Target[Project]:
        raise NotImplementedError("a project is created from its plan (create_project), not by an event")

    def facts(self, session: Session, target: engine.Target[Project], actor: Actor, data: Mapping[str, Any],
              now: datetime) -> ProjectFacts:
        project = target.project
        held = target.parents["held"] = _held(session, project)
        facts = _facts(session, project, data, held)
        if data.get("document_id") is not None:
            facts = replace(facts, document_project=session.scalar(
                select(Document.project_id).where(Document.id == data["document_id"])))
        if project.state == ProjectState.PLAN_DRAFTED:
            facts = replace(facts, ever_filed=session.scalar(select(AuditEntry.seq).where(
                AuditEntry.project_id == project.id, AuditEntry.action == f"project.{ProjectEvent.FILE}")
                .limit(1)) is not None)
        plan = data.get("plan")
        if isinstance(plan, domain_plan.Plan):
            facts = replace(facts, **self._edit_facts(session, target, plan))
        return facts

    @staticmethod
    def _edit_facts(session: Session, target: engine.Target[Project], plan: domain_plan.Plan) -> dict[str, Any]:
        """What ``edit_plan`` looks at and writes with: the predecessors named, the rule set pinned, the draft's
        version row (read once, so the effect needs no query)."""
        named = {f.predecessor for f in plan.funding if f.predecessor is not None}
        found = frozenset(session.scalars(select(Project.id).where(Project.id.in_(named)))) if named else frozenset()
        project = target.project
        try:
            pinned = pin_rules(plan)
        except rulesets.UnknownRuleSet:
            raise Invalid("invalid plan", {"rule_version": [f"{plan.rule_set} has no version {plan.rule_version}"]}) \
                from None
        target.parents["pinned"] = pinned
        target.parents["pin_kept"] = session.get(RuleSetVersion, pinned.sha256) is not None
        target.parents["draft_version"] = session.scalar(select(PlanVersion).where(
            PlanVersion.project_id == project.id, PlanVersion.number == 1))
        return {"edited": plan, "county": project.region_code, "predecessors_found": found}

    def view(self, session: Session, step: Step[Project, ProjectFacts], allowed: list[str]) -> ProjectView:
        return project_view(session, step.entity, step.actor, allowed)


SUBJECT = ProjectSubject()


# --- creating -------------------------------------------------------------------------------


def create_project(db: Database, actor: Actor, origin: Origin, plan: domain_plan.Plan,
                   source: Mapping[str, Any] | None = None, now: datetime | None = None) -> int:
    """Create a project in ``plan_drafted`` from a validated plan (SPEC §11.1 ``POST /projects``).

    The region must be a county inside the author's jurisdiction. ``now`` is the
    app's clock (the scheduler follows reports from the month the project exists).
    """
    now = now or REAL.now()
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
        for f in plan.funding:
            if f.predecessor is not None and tx.session.get(Project, f.predecessor) is None:
                raise Invalid("invalid plan", {"funding": [f"no predecessor project {f.predecessor}"]})
        try:
            pinned = pin_rules(plan)
        except rulesets.UnknownRuleSet:
            raise Invalid("invalid plan", {"rule_version": [f"{plan.rule_set} has no version {plan.rule_version}"]}) \
                from None
        rulesets.keep(tx.session, pinned)
        project = Project(region_code=plan.region, state=workflow().initial, source=dict(source) if source else None,
                          created_by=actor.id, created_at=now, updated_at=now, plan_version=1)
        write_plan_rows(project, plan, pinned)
        tx.session.add(project)
        tx.session.flush()
        tx.session.add(PlanVersion(project_id=project.id, number=1, plan=dump_plan(to_plan(project)),
                                   made_in_state=project.state, created_by=actor.id, created_at=now))
        audit_log.append(
            tx.session, action="project.create", actor=actor, origin=origin, entity_type="project",
            entity_id=project.id, project_id=project.id, to_state=project.state,
            data={"name": plan.name, "region": plan.region, "rule_set": plan.rule_set,
                  "total": format_yuan(plan.total), "lines": len(plan.lines)}, at=now,
        )
        tx.commit()
        return project.id


def pin_rules(plan: domain_plan.Plan) -> rulesets.Pinned:
    """The rule set a plan is held to: the version it names, or the current one."""
    if plan.rule_version is None:
        return rulesets.current(plan.rule_set)
    return rulesets.version(plan.rule_set, plan.rule_version)


def write_plan_rows(project: Project, plan: domain_plan.Plan, pinned: rulesets.Pinned) -> None:
    """Write a plan into the project's rows: its fields, funding sources, phases and targets anew; its budget
    lines matched by id — a line kept is updated in place (contracts and verdicts point at it), a line
    without an id is added, a line of the project the plan leaves out is removed."""
    project.name, project.doc_no, project.total = plan.name, plan.doc_no, plan.total
    project.rule_set, project.rule_version, project.rule_sha256 = pinned.rule_set, pinned.version, pinned.sha256
    project.period_start, project.period_end = plan.period_start, plan.period_end
    project.subtotals = {k: format_yuan(v) for k, v in plan.subtotals.items()}
    project.funding = [FundingSource(position=i, source=f.source, amount=f.amount, note=f.note,
                                     predecessor_id=f.predecessor) for i, f in enumerate(plan.funding)]
    project.phases = [Phase(position=i, name=p.name, start=p.start, end=p.end, note=p.note)
                      for i, p in enumerate(plan.phases)]
    kept = {line.id: line for line in project.lines} if project.id is not None else {}
    lines = []
    for position, line in enumerate(plan.lines):
        row = kept.get(line.id) if line.id is not None else None
        row = row or BudgetLine()
        row.position, row.ref, row.category, row.item, row.amount = (position, line.ref, line.category, line.item,
                                                                     line.amount)
        row.tags, row.responsible, row.cooperating = list(line.tags), list(line.responsible), list(line.cooperating)
        row.deadline, row.note = line.deadline, line.note
        row.split = {tag: format_yuan(part) for tag, part in line.split.items()} if line.split else None
        lines.append(row)
    project.lines = lines
    project.targets = [Target(position=i, name=t.name, unit=t.unit, target=t.target, note=t.note)
                       for i, t in enumerate(plan.targets)]


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
                split={tag: Decimal(part) for tag, part in line.split.items()} if line.split else None,
            )
            for line in project.lines
        ),
        subtotals={k: Decimal(v) for k, v in (project.subtotals or {}).items()},
        targets=tuple(domain_plan.Target(t.name, t.target, t.unit, t.note)  # type: ignore[arg-type]
                      for t in project.targets),
        rule_version=project.rule_version,
    )


def contract_facts(contract: Contract, final_approved: bool = False) -> domain_contracts.Contract:
    """The domain's view of a stored contract."""
    c = contract.contractor
    return domain_contracts.Contract(
        lot=contract.lot, amount=contract.amount, line_ids=tuple(cl.line_id for cl in contract.lines),
        contractor=domain_contracts.Contractor(c.name, c.credit_code, dict(c.declarations or {})),
        schedule=schedule_of(contract), id=contract.id, final_approved=final_approved,
        agreement=contract.application_id is not None,
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
        if predecessor.state not in (ProjectState.PLAN_DRAFTED, ProjectState.FILED, ProjectState.TENDERED):
            taken = session.scalars(
                select(FundingSource.amount).join(Project, Project.id == FundingSource.project_id).where(
                    FundingSource.predecessor_id == predecessor.id, FundingSource.project_id != project.id,
                    Project.state != ProjectState.PLAN_DRAFTED))
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
    ledgers: dict[int, Ledger]

    @property
    def ledger(self) -> Ledger:
        return sum(self.ledgers.values(), EMPTY)


def _held(session: Session, project: Project) -> _Held:
    contracts = session.scalars(select(Contract).where(Contract.project_id == project.id)
                                .options(selectinload(Contract.lines)).order_by(Contract.id)).unique().all()
    # a per-unit subsidy agreement has no final acceptance: each month is verified as it is paid (issue 20)
    per_unit = (select(Contract.id).join(Application, Application.id == Contract.application_id)
                .join(Call, Call.id == Application.call_id)
                .where(Contract.project_id == project.id, Call.unit_rate.is_not(None)))
    approved_finals = frozenset(session.scalars(select(Acceptance.contract_id).where(
        Acceptance.project_id == project.id, Acceptance.kind == "final", Acceptance.state == AcceptanceState.APPROVED)
        .union(per_unit)))
    rounds = session.scalars(select(TenderRound).where(TenderRound.project_id == project.id)
                             .order_by(TenderRound.round)).all()
    return _Held(tuple(contracts), approved_finals, tuple(rounds),
                 contract_ledgers(session, project.id, [(c.id, c.amount) for c in contracts]))


def _facts(session: Session, project: Project, data: Mapping[str, Any] | None = None,
           held: _Held | None = None, outstanding: Decimal | None = None) -> ProjectFacts:
    """``outstanding``: what the project's recoveries still owe, when the caller has read them all."""
    held = held or _held(session, project)
    facts_data = dict(data or {})
    return ProjectFacts(
        plan=to_plan(project), rules=rulesets.for_project(session, project), state=project.state,
        previous_state=project.previous_state, disbursed=held.ledger.disbursed, in_flight=held.ledger.in_flight,
        recovery_outstanding=recoveries.outstanding(session, project.id) if outstanding is None else outstanding,
        contracts=tuple(contract_facts(c, c.id in held.approved_finals) for c in held.contracts),
        tender_rounds=tuple(_round_view(r) for r in held.rounds),
        surplus_claims=_surplus_claims(session, project) if project.state == ProjectState.PLAN_DRAFTED else (),
        data=facts_data, project_id=project.id,
    )


def allowed_events(session: Session, project: Project, actor: Actor, held: _Held | None = None,
                   outstanding: Decimal | None = None) -> list[str]:
    """The events this actor could fire now: its role, the state and every guard agree."""
    return engine.allowed(workflow(), actor, project.state, _facts(session, project, held=held,
                                                                   outstanding=outstanding))


def _round_view(r: TenderRound) -> dict[str, Any]:
    return {"round": r.round, "method": r.method, "packaging": r.packaging,
            "announced_on": r.announced_on.isoformat(), "reference": r.reference, "outcome": r.outcome,
            "failed_note": r.failed_note}


def project_view(session: Session, project: Project, actor: Actor, allowed: list[str] | None = None) -> ProjectView:
    """A project as the API returns it (SPEC §11.1 ``GET /projects/{id}``); ``allowed`` when the caller has
    the reader's allowed events already (an event just fired)."""
    lines_sum = sum((line.amount for line in project.lines if line.amount is not None), Decimal(0))
    held = _held(session, project)
    contracts, ledger = figures_scope(actor, list(held.contracts)), held.ledger
    if len(contracts) < len(held.contracts):  # a contractor's figures are its own contracts' (SPEC §6)
        ledger = sum((held.ledgers[c.id] for c in contracts), EMPTY)
    contracted = sum((c.amount for c in contracts), Decimal(0))
    evaluation = session.scalar(select(Evaluation).where(Evaluation.project_id == project.id)
                                .order_by(Evaluation.id.desc()).limit(1))
    recovered = recoveries.views_of(session, project.id, actor)
    # a bureau user sees every recovery: what they still owe is read from them, not read again
    outstanding = None if is_contractor(actor) else recoveries.summary_of_views(recovered).outstanding
    return ProjectView(
        id=project.id, name=project.name, doc_no=project.doc_no,
        region={"code": project.region.code, "name": project.region.name}, rule_set=project.rule_set,
        state=project.state, state_label=engine.state_label(workflow(), project.state),
        previous_state=project.previous_state, plan_version=project.plan_version, rule_version=project.rule_version,
        total=project.total, lines_total=lines_sum, contracted=contracted,
        disbursed=ledger.disbursed, in_flight=ledger.in_flight, recovered=ledger.recovered,
        surplus=None if is_contractor(actor) else project.total - contracted,
        period_start=project.period_start, period_end=project.period_end,
        funding=tuple(FundingView(f.source, f.amount, f.note, f.predecessor_id) for f in project.funding),
        phases=tuple(PhaseView(p.name, p.start, p.end, p.note) for p in project.phases),
        subtotals=dict(project.subtotals or {}),
        lines=tuple(LineView(line.id, line.ref, line.category, line.item, line.amount, tuple(line.tags),
                             tuple(line.responsible), tuple(line.cooperating), line.deadline, line.note)
                    for line in project.lines),
        targets=tuple(TargetView(t.name, t.unit, t.target, t.actual, t.note) for t in project.targets),
        tender_rounds=tuple(_round_of(r) for r in held.rounds),
        contracts=tuple(ContractRef(c.id, c.lot, c.contractor.name, c.amount) for c in contracts),
        evaluation=None if evaluation is None else EvaluationView(
            evaluation.result, evaluation.evaluator, evaluation.document_id, evaluation.recorded_at),
        recovery=recoveries.summary_of_views(recovered), recoveries=recovered,
        allowed_events=tuple(allowed if allowed is not None
                             else allowed_events(session, project, actor, held, outstanding)),
        created_at=project.created_at, updated_at=project.updated_at,
        funds=None if is_contractor(actor) else allocations.funds_of(session, project))


def _round_of(r: TenderRound) -> TenderRoundView:
    return TenderRoundView(r.round, r.method, r.packaging, r.announced_on, r.reference, r.outcome, r.failed_note)


#: What :func:`project_view` reads of the project itself, loaded with it rather than attribute by attribute.
VIEWED_WITH = (selectinload(Project.lines), selectinload(Project.funding), selectinload(Project.phases),
               selectinload(Project.targets))


def get_project(db: Database, actor: Actor, project_id: int, version: int | None = None) -> ProjectView:
    """The project; with ``version``, its plan as that version had it (the figures stay today's)."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id, options=VIEWED_WITH)
        view = project_view(tx.session, project, actor)
        if version is None or version == project.plan_version:
            return view
        kept = tx.session.scalar(select(PlanVersion).where(PlanVersion.project_id == project.id,
                                                           PlanVersion.number == version))
        if kept is None:
            raise hidden("version", version)
        plan = load_plan(kept.plan)[0]
        return replace(
            view, plan_version=version, name=plan.name, doc_no=plan.doc_no, total=plan.total,
            lines_total=plan.lines_sum(), period_start=plan.period_start, period_end=plan.period_end,
            funding=tuple(FundingView(f.source, f.amount, f.note, f.predecessor) for f in plan.funding),
            phases=tuple(PhaseView(p.name, p.start, p.end, p.note) for p in plan.phases),
            subtotals={k: format_yuan(v) for k, v in plan.subtotals.items()},
            lines=tuple(LineView(line.id or 0, line.ref, line.category, line.item, line.amount, line.tags,
                                 line.responsible, line.cooperating, line.deadline, line.note) for line in plan.lines),
            targets=tuple(TargetView(t.name, t.unit, t.target, None, t.note)  # type: ignore[arg-type]
                          for t in plan.targets),
            allowed_events=())


def plan_document(db: Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """The plan in force as a document, lines with their ids: what the edit and amendment forms start from."""
    with db.reading() as tx:
        return dump_plan(to_plan(load_project(tx.session, actor, project_id)))


def versions(db: Database, actor: Actor, project_id: int) -> list[VersionView]:
    """Every version of the project's plan, the one in force last (issue 16)."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        rows = list(tx.session.scalars(select(PlanVersion).where(PlanVersion.project_id == project.id)
                                       .order_by(PlanVersion.number)))
        if not rows:  # a project from before versions: its plan in force is its first version
            rows = [PlanVersion(number=project.plan_version, made_in_state=project.state, changes=[],
                                created_by=project.created_by, created_at=project.created_at)]
        return [VersionView(
            number=v.number, in_force=v.number == project.plan_version, made_in_state=v.made_in_state,
            made_in_state_label=engine.state_label(workflow(), v.made_in_state), reason=v.reason,
            created_by=v.created_by, created_at=v.created_at, approved_by=v.approved_by, approved_at=v.approved_at,
            amendment_id=v.amendment_id, changes=tuple(v.changes or ()),
            summary=plan_diff.summary([plan_diff.Change(**c) for c in v.changes or ()])) for v in rows]


def edit_plan(db: Database, actor: Actor, origin: Origin, project_id: int, plan: domain_plan.Plan, *,
              now: datetime) -> ProjectView:
    """Replace a draft's plan (``PUT /projects/{id}/plan``): anything but its county, incomplete if need be
    (lines without amounts or tags; ``file`` says what is missing). 409 once the plan is filed."""
    return engine.fire(db, SUBJECT, actor, origin, project_id, ProjectEvent.EDIT_PLAN, {"plan": plan}, now)[1]


def withdraw_draft(db: Database, actor: Actor, origin: Origin, project_id: int, *, now: datetime) -> ProjectView:
    """Withdraw a draft that was never filed (``DELETE /projects/{id}``): it leaves the lists, its history stays."""
    return engine.fire(db, SUBJECT, actor, origin, project_id, ProjectEvent.WITHDRAW, {}, now)[1]


def list_projects(db: Database, actor: Actor, *, state: str | None = None, region: str | None = None,
                  page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Projects in the actor's jurisdiction, newest first, filtered by state and region subtree; a withdrawn
    draft only when asked for by its state."""
    if actor.role not in PROJECT_READERS:
        raise Forbidden(f"the role {actor.role} has no access to projects", audit=True)
    with db.reading() as tx:
        stmt = select(Project).join(Project.region)
        if actor.role == Role.CONTRACTOR:
            stmt = stmt.where(contractor_holds(actor, Project.id))  # type: ignore[arg-type]
        else:
            stmt = stmt.where(Region.path.startswith(actor.region_path))
        stmt = stmt.where(Project.state == state) if state else stmt.where(Project.state != ProjectState.WITHDRAWN)
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
             "rule_set": p.rule_set, "state": p.state, "state_label": engine.state_label(workflow(), p.state),
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
    spec = engine.spec_of(workflow(), event)
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        return engine.explanation(workflow(), spec, actor, project.state, _facts(tx.session, project))


def actions(db: Database, actor: Actor, project_id: int) -> list[dict[str, Any]]:
    """The project events of the actor's role from its state, each allowed or with why not (the UI)."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        return engine.actions(workflow(), actor, project.state, _facts(tx.session, project))


def fire_event(db: Database, actor: Actor, origin: Origin, project_id: int, event: str,
               data: Mapping[str, Any], *, now: datetime) -> ProjectView:
    """Fire a workflow event on a project: check, move, record — in one transaction."""
    return engine.fire(db, SUBJECT, actor, origin, project_id, event, data, now)[1]
