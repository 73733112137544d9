"""Amendments of a filed plan (方案调整; issue 16, SPEC §13) on the one event engine.

Commerce proposes a whole new plan with its reason; the supervisor approves — the plan becomes the
project's next version in the same transaction, the project's state does not change — or rejects it with
a note; the author may withdraw it. A version keeps the whole plan as a document and what changed against
the one before (:mod:`disburse.domain.plan_diff`). Moving a project onto another version of its rule set is
an amendment too: the plan names the ``rule_version`` it is to be held to.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disburse.adapters import rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import Amendment, Contract, ContractLine, Payment, PlanVersion, Project, RuleSetVersion
from disburse.domain import plan as domain_plan
from disburse.domain import plan_diff
from disburse.domain.amendment_guards import AMENDABLE, AMENDMENT_GUARDS, AmendmentFacts, Committed
from disburse.domain.states import IN_FLIGHT, AmendmentEvent, AmendmentState
from disburse.domain.workflow import Functions, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.schemas.plan import dump_plan, load_plan
from disburse.services import engine, projects
from disburse.services.access import answering_as, hidden, load_project, require_reader
from disburse.services.context import Actor, Origin
from disburse.services.engine import RowState, Step, Target
from disburse.services.views import AmendmentView

# --- effects (named in workflows/amendment.yaml) ------------------------------------------------------


def record_proposal(step: Step[Amendment, AmendmentFacts]) -> None:
    """The proposal keeps the plan sent, its reason, the version it amends and what it changes."""
    amendment, facts = step.entity, step.facts
    changes = [c.as_dict() for c in plan_diff.diff(facts.in_force, facts.proposed)]
    amendment.changes, amendment.proposed_by = changes, step.actor.id
    step.record.update(reason=amendment.reason, base_version=amendment.base_version, changes=changes)


def put_plan_in_force(step: Step[Amendment, AmendmentFacts]) -> None:
    """Approval: the project's plan becomes the proposed one, as its next version; the rule set it names is
    pinned (a new version of it moves the project onto it, here and nowhere else)."""
    amendment, project, facts = step.entity, step.target.project, step.facts
    pinned: rulesets.Pinned = step.target.parents["pinned"]
    if not step.target.parents["pin_kept"]:
        step.add(RuleSetVersion(sha256=pinned.sha256, rule_set=pinned.rule_set, version=pinned.version,
                                content=pinned.content, first_used_at=step.now))
    if step.target.parents["first_version"] is None:  # a project from before versions: its first plan, kept
        step.add(PlanVersion(project_id=project.id, number=1, plan=dump_plan(facts.in_force),
                             made_in_state=project.state, created_by=project.created_by, created_at=project.created_at))
    changes = [c.as_dict() for c in plan_diff.diff(facts.in_force, facts.proposed)]
    projects.write_plan_rows(project, facts.proposed, pinned)
    project.plan_version += 1
    project.updated_at = step.now
    number = project.plan_version
    amendment.changes, amendment.decided_by = changes, step.actor.id

    def keep_version() -> None:
        step.add(PlanVersion(project_id=project.id, number=number, plan=dump_plan(projects.to_plan(project)),
                             made_in_state=project.state, reason=amendment.reason, changes=changes,
                             amendment_id=amendment.id, created_by=amendment.proposed_by,
                             created_at=amendment.created_at, approved_by=step.actor.id, approved_at=step.now))

    step.later(keep_version)
    step.record.update(version=number, rule_version=pinned.version, changes=changes)


def record_decision(step: Step[Amendment, AmendmentFacts]) -> None:
    """A rejection (with its note) or the author's withdrawal."""
    step.entity.decided_by, step.entity.note = step.actor.id, step.data.get("note")


EFFECTS = {f.__name__: f for f in (record_proposal, put_plan_in_force, record_decision)}


@cache
def workflow() -> Workflow[AmendmentFacts, Step[Amendment, AmendmentFacts]]:
    """The amendment workflow, loaded once from ``workflows/amendment.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "amendment.yaml",
                         Functions(AmendmentState, AmendmentEvent, AMENDMENT_GUARDS, effects=EFFECTS))


class AmendmentSubject(RowState[Amendment, AmendmentFacts]):
    """The amendment workflow's part of the event path (:mod:`disburse.services.engine`)."""

    kind = "amendment"

    def workflow(self) -> Workflow[AmendmentFacts, Step[Amendment, AmendmentFacts]]:
        return workflow()

    def load(self, session: Session, actor: Actor, ident: int, *, lock: bool) -> Target[Amendment]:
        require_reader(actor)
        with answering_as("amendment", ident):
            project_id = session.scalar(select(Amendment.project_id).where(Amendment.id == ident))
            if project_id is None:
                raise hidden("amendment", ident)
            project = load_project(session, actor, project_id, lock=lock)
        amendment = session.get(Amendment, ident)
        assert amendment is not None
        return Target(amendment, project)

    def new(self, session: Session, actor: Actor, parent: int, data: Mapping[str, Any],
            now: datetime) -> Target[Amendment]:
        """An amendment of the project ``parent``'s plan in force."""
        project = load_project(session, actor, parent, lock=True)
        amendment = Amendment(project_id=project.id, state=workflow().initial, plan=dump_plan(data["plan"]),
                              reason=data["reason"], base_version=project.plan_version, created_at=now,
                              updated_at=now, changes=[])
        return Target(amendment, project)

    def facts(self, session: Session, target: Target[Amendment], actor: Actor, data: Mapping[str, Any],
              now: datetime) -> AmendmentFacts:
        amendment, project = target.entity, target.project
        in_force = projects.to_plan(project)
        proposed = data.get("plan") if amendment.id is None else load_plan(amendment.plan)[0]
        assert isinstance(proposed, domain_plan.Plan)
        keeps = proposed.rule_set == project.rule_set and proposed.rule_version in (None, project.rule_version)
        if keeps and project.rule_sha256 is not None and project.rule_version is not None:
            pinned = rulesets.Pinned(project.rule_set, project.rule_version, project.rule_sha256, "")
            rules = rulesets.for_project(session, project)
            target.parents["pin_kept"] = True
        else:
            pinned = projects.pin_rules(proposed)
            rules = rulesets.parsed(pinned.content)
            target.parents["pin_kept"] = session.get(RuleSetVersion, pinned.sha256) is not None
        target.parents["pinned"] = pinned
        proposed = replace(proposed, rule_version=pinned.version)  # "the current version" made explicit
        target.parents["first_version"] = session.scalar(select(PlanVersion.id).where(
            PlanVersion.project_id == project.id, PlanVersion.number == 1))
        named = {f.predecessor for f in proposed.funding if f.predecessor is not None}
        return AmendmentFacts(
            project_state=project.state, in_force=in_force, proposed=proposed, rules=rules,
            county=project.region_code, contracts=_committed(session, project.id),
            open_amendments=tuple(session.scalars(select(Amendment.id).where(
                Amendment.project_id == project.id, Amendment.state == AmendmentState.PROPOSED,
                Amendment.id != (amendment.id or 0)))),
            predecessors_found=frozenset(session.scalars(select(Project.id).where(Project.id.in_(named))))
            if named else frozenset(),
            author_id=amendment.proposed_by, actor_id=actor.id, actor_ids=actor.ids)

    def view(self, session: Session, step: Step[Amendment, AmendmentFacts], allowed: list[str]) -> AmendmentView:
        return amendment_view(step.entity, allowed)


SUBJECT = AmendmentSubject()


def _committed(session: Session, project_id: int) -> tuple[Committed, ...]:
    """Each contract of the project: the lines it covers and what is in flight on it."""
    lines: dict[int, list[int]] = {}
    for contract_id, line_id in session.execute(select(ContractLine.contract_id, ContractLine.line_id).join(
            Contract, Contract.id == ContractLine.contract_id).where(Contract.project_id == project_id)):
        lines.setdefault(contract_id, []).append(line_id)
    flying = dict(session.execute(select(Payment.contract_id, func.sum(Payment.amount)).where(
        Payment.project_id == project_id, Payment.state.in_(IN_FLIGHT)).group_by(Payment.contract_id)).all())
    return tuple(Committed(c.id, c.lot, c.amount, tuple(sorted(lines.get(c.id, []))),
                           Decimal(flying.get(c.id) or 0))
                 for c in session.scalars(select(Contract).where(Contract.project_id == project_id)
                                          .order_by(Contract.id)))


def amendment_view(amendment: Amendment, allowed: list[str]) -> AmendmentView:
    return AmendmentView(
        id=amendment.id, project_id=amendment.project_id, state=amendment.state,
        state_label=engine.state_label(workflow(), amendment.state), reason=amendment.reason,
        base_version=amendment.base_version, plan=amendment.plan, changes=tuple(amendment.changes or ()),
        summary=plan_diff.summary([plan_diff.Change(**c) for c in amendment.changes or ()]),
        proposed_by=amendment.proposed_by, decided_by=amendment.decided_by, note=amendment.note,
        allowed_events=tuple(allowed), created_at=amendment.created_at, updated_at=amendment.updated_at)


def may_create(actor: Actor) -> bool:
    """Whether the actor's role may propose amendments at all (the ``propose`` transition's roles)."""
    return actor.role in workflow().creation().roles


def may_propose(actor: Actor, project_state: str) -> bool:
    """Whether the page offers the actor to propose an amendment: the ``propose`` transition's roles, a project
    between filing and the final audit. The guards still decide (one open amendment, the plan's rules)."""
    return may_create(actor) and project_state in AMENDABLE


def propose(db: Database, actor: Actor, origin: Origin, project_id: int, plan: domain_plan.Plan, reason: str,
            now: datetime) -> AmendmentView:
    """Propose a new plan for a filed project, with the reason (the commerce bureau)."""
    return engine.create(db, SUBJECT, actor, origin, project_id, {"plan": plan, "reason": reason}, now)[1]


def fire_event(db: Database, actor: Actor, origin: Origin, amendment_id: int, event: str,
               data: Mapping[str, Any], now: datetime) -> AmendmentView:
    """Approve, reject (with a note) or withdraw an amendment."""
    return engine.fire(db, SUBJECT, actor, origin, amendment_id, event, data, now)[1]


def get_amendment(db: Database, actor: Actor, amendment_id: int, now: datetime) -> AmendmentView:
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, amendment_id, lock=False)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now)
        return amendment_view(target.entity, engine.allowed(workflow(), actor, target.entity.state, facts))


def actions(db: Database, actor: Actor, amendment_id: int, now: datetime) -> list[dict[str, Any]]:
    """The amendment events of the actor's role from its state, each allowed or with why not (the UI)."""
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, amendment_id, lock=False)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now)
        return engine.actions(workflow(), actor, target.entity.state, facts)


def list_amendments(db: Database, actor: Actor, project_id: int, now: datetime) -> list[AmendmentView]:
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        rows = tx.session.scalars(select(Amendment).where(Amendment.project_id == project.id)
                                  .order_by(Amendment.id.desc()))
        return [amendment_view(a, []) for a in rows]
