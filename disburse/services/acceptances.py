"""Acceptance use cases (SPEC §5.2; seed 004 §5(5), seed 003 §5(2)3).

Application, review with per-line verdicts, public notice with objections from
the public, leader approval, rectification and re-application. Every step runs
in one transaction with its audit entry; the clock is passed in, so the
scheduler can close notices and tests can travel in time.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.limits import KEY_LENGTH, OBJECTION, CounterStore, SqlCounterStore
from disburse.adapters.orm import (
    Acceptance,
    AcceptanceVote,
    Application,
    BudgetLine,
    Call,
    Contract,
    Contractor,
    Document,
    Notice,
    Objection,
    Project,
    Region,
    User,
    Verdict,
)
from disburse.domain import leading_group
from disburse.domain.acceptance_guards import (
    ACCEPTANCE_CHOOSERS,
    ACCEPTANCE_GUARDS,
    AcceptanceFacts,
    ObjectionFacts,
)
from disburse.domain.money import format_yuan
from disburse.domain.notice import local_date
from disburse.domain.roles import Role
from disburse.domain.states import AcceptanceEvent, AcceptanceState, ProjectEvent, ProjectState
from disburse.domain.text import TooDeep, text_errors
from disburse.domain.workflow import Functions, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.schemas import flatten_errors
from disburse.schemas.objection import ObjectionIn
from disburse.services import audit, engine, notices, pages, projects
from disburse.services.access import is_contractor, jurisdiction_clause, load_acceptance, load_contract
from disburse.services.context import Actor, Origin
from disburse.services.contracts import line_amounts
from disburse.services.engine import RowState, Step, Target
from disburse.services.errors import Invalid, NotFound, RateLimited
from disburse.services.views import (
    AcceptanceView,
    DocumentRef,
    NoticeView,
    ObjectionView,
    RecheckView,
    ScopeLineView,
    VerdictView,
    VoteView,
)

#: The public files objections without a login (SPEC §9).
PUBLIC = Actor(id=None, username="public", role="public", region_code="000000", region_path="/000000/")
_SECOND = timedelta(seconds=1)
_ZERO = Decimal(0)


# --- effects: what an event does besides moving the state (named in workflows/acceptance.yaml) ------


def start_project_acceptance(step: Step[Acceptance, AcceptanceFacts]) -> None:
    """The first application moves the project into ``staged_acceptance`` (SPEC §5.1), by the system."""
    project = step.target.project
    if project.state == ProjectState.CONTRACTOR_SELECTED and step.cascade is not None:
        step.cascade(projects.SUBJECT, Target(project, project), ProjectEvent.START_ACCEPTANCE,
                     {"note": f"first acceptance application on contract {step.entity.contract_id}"})


def record_application(step: Step[Acceptance, AcceptanceFacts]) -> None:
    """Who applied, for what, with which materials (attached to the acceptance)."""
    acceptance = step.entity
    acceptance.applied_by = step.actor.id
    acceptance.line_ids = sorted(set(step.data["line_ids"])) if step.data.get("line_ids") else None
    attached = []
    for document in step.target.parents["documents"]:
        document.acceptance_id = acceptance.id
        attached.append({"id": document.id, "sha256": document.sha256})
    step.record.update(contract_id=acceptance.contract_id, kind=acceptance.kind, stage=acceptance.stage,
                       documents=attached, line_ids=list(step.facts.scope))


def record_verdicts(step: Step[Acceptance, AcceptanceFacts]) -> None:
    """合格/不合格 per line with the accepted amount, and who gave them (seed 004 §5(5)2)."""
    acceptance, verdicts = step.entity, step.data["verdicts"]
    acceptance.verdicts = [Verdict(line_id=v["line_id"], result=v["result"], accepted_amount=v["accepted_amount"],
                                   note=v.get("note")) for v in verdicts]
    acceptance.verdict_by, acceptance.verdict_at = step.actor.id, step.now
    step.record["verdicts"] = [{"line_id": v["line_id"], "result": v["result"],
                                "accepted_amount": format_yuan(v["accepted_amount"])} for v in verdicts]


def record_recheck(step: Step[Acceptance, AcceptanceFacts]) -> None:
    """The finance bureau re-checked the review result (seed 003 §5(2)3①): who, when, its note and document."""
    acceptance = step.entity
    acceptance.rechecked_by, acceptance.rechecked_at = step.actor.id, step.now
    acceptance.recheck_note, acceptance.recheck_document_id = step.data.get("note"), step.data.get("document_id")
    step.record.update(note=acceptance.recheck_note, document_id=acceptance.recheck_document_id,
                       accepted_total=format_yuan(accepted_total(acceptance)))


def clear_recheck(step: Step[Acceptance, AcceptanceFacts]) -> None:
    """Finance returns the result to the review: the verdicts are given again (the old ones stay in the log)."""
    acceptance = step.entity
    acceptance.rechecked_by = acceptance.rechecked_at = None
    acceptance.recheck_note = acceptance.recheck_document_id = None
    acceptance.verdicts = []
    acceptance.verdict_by = acceptance.verdict_at = None
    step.record["note"] = step.data.get("note")


def publish_notice(step: Step[Acceptance, AcceptanceFacts]) -> None:
    """The public notice (公示) for the rule set's period, ending at 24:00 Beijing time of its last day."""
    rules = step.facts.rules
    assert rules is not None
    _, ends_at = notices.publish(step, rules)
    step.facts = replace(step.facts, notice_ends_at=ends_at, objections=())


def record_approval(step: Step[Acceptance, AcceptanceFacts]) -> None:
    step.entity.approved_by = step.actor.id


def record_vote(step: Step[Acceptance, AcceptanceFacts]) -> None:
    """A member's vote (approve / reject, its opinion) or recusal (its reason), on this attempt; where it carries
    the group's decision, the member who cast it is recorded as the approver. The tally is in the entry."""
    acceptance, data = step.entity, step.data
    cast = leading_group.RECUSE if step.spec.trigger == AcceptanceEvent.RECUSE else str(data["vote"])
    opinion = data.get("opinion") if cast != leading_group.RECUSE else data.get("reason")
    member = step.actor.authority_id  # a deputy casts the member's vote (代理, issue 21 item 2)
    acceptance.votes.append(AcceptanceVote(attempt=acceptance.attempt, user_id=member, vote=cast, opinion=opinion,
                                           cast_by=step.actor.id if step.actor.principal_id else None,
                                           created_at=step.now))
    votes = {**step.facts.votes, member: cast} if member is not None else dict(step.facts.votes)
    result = leading_group.tally(step.facts.members, votes, step.facts.quorum)
    if result.carried:
        acceptance.approved_by = step.actor.id
    step.facts = replace(step.facts, votes=votes)
    step.record.update(vote=cast, opinion=opinion, members=len(step.facts.members), recused=result.recused,
                       approvals=result.approvals, rejections=result.rejections, required=result.required,
                       quorum=step.facts.quorum)


def group_of(session: Session, project: Project, acceptance: Acceptance) -> dict[str, Any]:
    """The county's leading group (its active leader users) and their votes on this attempt (issue 21)."""
    members = tuple(session.scalars(select(User.id).where(User.role == Role.LEADER, User.active.is_(True),
                                                          User.region_code == project.region_code)
                                    .order_by(User.id)))
    votes = {v.user_id: v.vote for v in acceptance.votes if v.attempt == acceptance.attempt}
    return {"members": members, "votes": votes}


def order_rectification(step: Step[Acceptance, AcceptanceFacts]) -> None:
    step.entity.rectify_deadline = step.data["deadline"]
    step.record["deadline"] = step.data["deadline"].isoformat()


def reopen(step: Step[Acceptance, AcceptanceFacts]) -> None:
    """A new attempt after rectification: the earlier verdicts are cleared (they stay in the audit log)."""
    acceptance = step.entity
    acceptance.attempt += 1
    acceptance.verdicts = []
    acceptance.verdict_by = acceptance.verdict_at = acceptance.approved_by = None
    step.record["attempt"] = acceptance.attempt


EFFECTS = {f.__name__: f for f in (start_project_acceptance, record_application, record_verdicts, publish_notice,
                                   notices.decide_objection, record_approval, record_vote, order_rectification, reopen,
                                   record_recheck, clear_recheck)} | {"close_notice": notices.close}

#: The states in which an acceptance's 合格 verdicts stand: a line accepted there is not accepted again.
STANDING = (AcceptanceState.PASSED, AcceptanceState.RECHECKED, AcceptanceState.IN_NOTICE,
            AcceptanceState.OBJECTED, AcceptanceState.NOTICE_CLEAR, AcceptanceState.APPROVED)


def accepted_total(acceptance: Acceptance) -> Decimal:
    """What an acceptance accepted: the amounts of its 合格 verdicts."""
    return sum((v.accepted_amount for v in acceptance.verdicts if v.result == "pass"), _ZERO)


def accepted_elsewhere(session: Session, contract_id: int, acceptance_id: int | None) -> dict[int, Decimal]:
    """Line → the amount the contract's other standing acceptances accepted of it (issue 17)."""
    rows = session.execute(
        select(Verdict.line_id, Verdict.accepted_amount).join(Acceptance, Acceptance.id == Verdict.acceptance_id)
        .where(Acceptance.contract_id == contract_id, Acceptance.state.in_(STANDING), Verdict.result == "pass",
               *([] if acceptance_id is None else [Acceptance.id != acceptance_id]))).all()
    found: dict[int, Decimal] = {}
    for line_id, amount in rows:
        found[line_id] = found.get(line_id, _ZERO) + amount
    return found


def scope_of(kind: str, named: list[int] | None, lines: Mapping[int, Decimal],
             elsewhere: Mapping[int, Decimal]) -> tuple[int, ...]:
    """The lines an acceptance covers: a stage acceptance's named lines, otherwise (a final acceptance, a
    stage naming none) every line of the contract — either way, less the lines another standing acceptance
    accepted meanwhile (issue 17: a line is accepted once)."""
    wanted = sorted(set(named)) if kind == "stage" and named else sorted(lines)
    return tuple(line_id for line_id in wanted if line_id not in elsewhere)


@cache
def workflow() -> Workflow[AcceptanceFacts, Step[Acceptance, AcceptanceFacts]]:
    """The acceptance workflow, loaded once from ``workflows/acceptance.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "acceptance.yaml",
                         Functions(AcceptanceState, AcceptanceEvent, ACCEPTANCE_GUARDS,
                                   ACCEPTANCE_CHOOSERS, EFFECTS))


class AcceptanceSubject(RowState[Acceptance, AcceptanceFacts]):
    """The acceptance workflow's part of the event path (:mod:`disburse.services.engine`)."""

    kind = "acceptance"

    def workflow(self) -> Workflow[AcceptanceFacts, Step[Acceptance, AcceptanceFacts]]:
        return workflow()

    def load(self, session: Session, actor: Actor, ident: int, *, lock: bool) -> Target[Acceptance]:
        acceptance, contract, project = load_acceptance(session, actor, ident, lock=lock)
        return Target(acceptance, project, {"contract": contract})

    def new(self, session: Session, actor: Actor, parent: int, data: Mapping[str, Any],
            now: datetime) -> Target[Acceptance]:
        """An application for a stage or the final acceptance of the contract ``parent``."""
        contract, project = load_contract(session, actor, parent, lock=True)
        kind = data["kind"]
        acceptance = Acceptance(contract_id=contract.id, project_id=project.id, kind=kind,
                                stage=data.get("stage") if kind == "stage" else None, state=workflow().initial,
                                note=data.get("note"), created_at=now, updated_at=now)
        ids = list(data.get("document_ids") or [])
        documents = list(session.scalars(select(Document).where(Document.id.in_(ids)))) if ids else []
        return Target(acceptance, project, {"contract": contract, "documents": documents})

    def facts(self, session: Session, target: Target[Acceptance], actor: Actor, data: Mapping[str, Any],
              now: datetime) -> AcceptanceFacts:
        acceptance, contract, project = target.entity, target.parents["contract"], target.project
        notice = acceptance.notices[-1] if acceptance.id is not None and acceptance.notices else None
        lines = line_amounts(session, contract)
        elsewhere = accepted_elsewhere(session, contract.id, acceptance.id)
        named = acceptance.line_ids if acceptance.id is not None else data.get("line_ids")
        others = session.scalar(
            select(func.coalesce(func.sum(Verdict.accepted_amount), 0))
            .join(Acceptance, Acceptance.id == Verdict.acceptance_id)
            .where(Acceptance.contract_id == contract.id, Acceptance.state.in_(STANDING), Verdict.result == "pass",
                   *([] if acceptance.id is None else [Acceptance.id != acceptance.id])))
        facts = AcceptanceFacts(
            state=acceptance.state, actor_id=actor.authority_id, actor_ids=actor.ids, now=now, line_amounts=lines,
            kind=acceptance.kind, scope=scope_of(acceptance.kind, named, lines, elsewhere),
            accepted_elsewhere=elsewhere, contract_amount=contract.amount, accepted_by_others=Decimal(others or 0),
            recorded={v.line_id: (v.result, v.accepted_amount) for v in acceptance.verdicts}
            if acceptance.id is not None else {},
            rechecked=acceptance.rechecked_by is not None,
            verdict_by=acceptance.verdict_by, notice_ends_at=notice.ends_at if notice else None,
            objections=tuple(ObjectionFacts(o.id, o.decision) for o in notice.objections) if notice else (),
            data=dict(data), project_state=project.state,
            project_state_label=engine.state_label(projects.workflow(), project.state) or {},
            rules=rulesets.for_project(session, project), project_id=project.id,
            agreement=contract.application_id is not None)
        if acceptance.state == AcceptanceState.NOTICE_CLEAR:
            facts = replace(facts, quorum=facts.rules.leader_quorum if facts.rules else leading_group.MAJORITY,
                            **group_of(session, project, acceptance))
        if acceptance.id is not None:
            doc_id = data.get("document_id")
            if isinstance(doc_id, int):
                found = session.get(Document, doc_id)
                if found is not None:
                    facts = replace(facts, documents={found.id: (found.project_id, found.acceptance_id)})
            return facts
        exists = session.scalar(select(Acceptance.id).where(
            Acceptance.contract_id == contract.id, Acceptance.kind == acceptance.kind,
            Acceptance.stage.is_(None) if acceptance.stage is None else Acceptance.stage == acceptance.stage))
        documents = {d.id: (d.project_id, d.acceptance_id) for d in target.parents["documents"]}
        return replace(facts, stages=len(contract.stages), existing=exists, documents=documents)

    def view(self, session: Session, step: Step[Acceptance, AcceptanceFacts], allowed: list[str]) -> AcceptanceView:
        return acceptance_view(session, step.entity, step.actor, allowed)


SUBJECT = AcceptanceSubject()


def apply(db: Database, actor: Actor, origin: Origin, contract_id: int, data: Mapping[str, Any],
          now: datetime) -> AcceptanceView:
    """The contractor (or commerce on its behalf) applies for a stage or final acceptance; returns it.

    The first application moves the project into ``staged_acceptance`` (SPEC §5.1).
    """
    return engine.create(db, SUBJECT, actor, origin, contract_id, data, now)[1]


def may_apply(actor: Actor) -> bool:
    """Whether the actor's role may apply for acceptance at all (the ``apply`` transition's roles)."""
    return actor.role in workflow().creation().roles


def fire_event(db: Database, actor: Actor, origin: Origin, acceptance_id: int, event: str,
               data: Mapping[str, Any], now: datetime) -> AcceptanceView:
    """Fire an acceptance event: check, move, record — in one transaction."""
    if event == AcceptanceEvent.OBJECT:
        raise Invalid("unknown event", {"event": ["objections are filed at /api/v1/public/notices/{id}/objections"]})
    if event in VOTE_DATA:  # a recusal carries no vote, a vote no reason: what is cast is the event's own
        data = {k: v for k, v in data.items() if k not in VOTE_DATA[event]}
    return engine.fire(db, SUBJECT, actor, origin, acceptance_id, event, data, now)[1]


#: What each of the leading group's events ignores of the data sent (issue 21).
VOTE_DATA: dict[str, tuple[str, ...]] = {AcceptanceEvent.VOTE: ("reason",), AcceptanceEvent.RECUSE: ("vote", "opinion")}


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
        subject, target, about = _noticed(tx.session, notice)
        if target.entity.notices[-1].id != notice.id:
            raise NotFound(f"no open notice {notice_id}")
        objection = Objection(notice_id=notice.id, name=data.get("name"), contact=data["contact"],
                              content=data["content"], client_addr=origin.client_addr, created_at=now)
        engine.fire_in(tx.session, subject, PUBLIC, origin, target, engine.spec_of(subject.workflow(), "object"),
                       {"objection": data["content"][:200]}, now)
        tx.session.add(objection)
        tx.session.flush()
        project = target.project
        audit_log.append(tx.session, action="objection.file", actor=PUBLIC, origin=origin,
                         entity_type="objection", entity_id=objection.id, project_id=project.id,
                         data={"notice_id": notice.id, **about, "name": data.get("name"),
                               "contact": data["contact"], "content": data["content"]}, at=now)
        tx.commit()
        return objection.id


def _noticed(session: Session, notice: Notice) -> tuple[Any, Target[Any], dict[str, int]]:
    """What a notice publicises, under a lock on its project: an acceptance's result, or an application's
    proposed subsidy (issue 20) — its workflow, the target the objection is an event of, and its id."""
    if notice.application_id is not None:
        from disburse.services import applications  # applications pay through acceptances: imported when used

        row = session.execute(select(Application.project_id)
                              .where(Application.id == notice.application_id)).one()
        project = session.scalar(select(Project).where(Project.id == row.project_id).with_for_update(of=Project))
        application = session.get(Application, notice.application_id)
        assert project is not None and application is not None
        call = session.get(Call, application.call_id)
        return (applications.SUBJECT, Target(application, project, {"call": call}),
                {"application_id": application.id})
    acceptance = session.get(Acceptance, notice.acceptance_id)
    assert acceptance is not None
    project = session.scalar(select(Project).where(Project.id == acceptance.project_id).with_for_update(of=Project))
    contract = session.get(Contract, acceptance.contract_id)
    assert project is not None and contract is not None
    return SUBJECT, Target(acceptance, project, {"contract": contract}), {"acceptance_id": acceptance.id}


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


def _read(session: Session, actor: Actor, target: Target[Acceptance], now: datetime) -> AcceptanceFacts:
    return SUBJECT.facts(session, target, actor, {}, now)


def explain_event(db: Database, actor: Actor, acceptance_id: int, event: str, now: datetime) -> dict[str, Any]:
    spec = engine.spec_of(workflow(), event)
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, acceptance_id, lock=False)
        return engine.explanation(workflow(), spec, actor, target.entity.state, _read(tx.session, actor, target, now))


def actions(db: Database, actor: Actor, acceptance_id: int, now: datetime) -> list[dict[str, Any]]:
    """The acceptance events of the actor's role from its state, each allowed or with why not (the UI)."""
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, acceptance_id, lock=False)
        return engine.actions(workflow(), actor, target.entity.state, _read(tx.session, actor, target, now))


def notice_view(notice: Notice) -> NoticeView:
    return NoticeView(id=notice.id, published_at=notice.published_at, ends_at=notice.ends_at,
                      ends_on=local_date(notice.ends_at - _SECOND), days=notice.days,
                      working_days=notice.working_days, closed_at=notice.closed_at)


def objection_views(notice: Notice, *, named: bool) -> tuple[ObjectionView, ...]:
    """A notice's objections; with who objected (name, contact) only when ``named``."""
    return tuple(ObjectionView(id=o.id, content=o.content, created_at=o.created_at, decision=o.decision,
                               note=o.decision_note, name=o.name if named else None,
                               contact=o.contact if named else None) for o in notice.objections)


def acceptance_view(session: Session, acceptance: Acceptance, actor: Actor, allowed: list[str]) -> AcceptanceView:
    """An acceptance with the events the reader may fire on it now; a contractor reads the objections to its
    work without who filed them (SPEC §6)."""
    notice = acceptance.notices[-1] if acceptance.notices else None
    return AcceptanceView(
        id=acceptance.id, contract_id=acceptance.contract_id, project_id=acceptance.project_id,
        kind=acceptance.kind, stage=acceptance.stage, state=acceptance.state,
        state_label=engine.state_label(workflow(), acceptance.state), note=acceptance.note,
        attempt=acceptance.attempt,
        verdicts=tuple(VerdictView(v.line_id, v.result, v.accepted_amount, v.note) for v in acceptance.verdicts),
        accepted_total=accepted_total(acceptance),
        verdict_by=acceptance.verdict_by, approved_by=acceptance.approved_by,
        notice=None if notice is None else notice_view(notice),
        objections=() if notice is None else objection_views(notice, named=not is_contractor(actor)),
        rectify_deadline=acceptance.rectify_deadline,
        documents=tuple(DocumentRef(d.id, d.filename, d.sha256) for d in session.scalars(
            select(Document).where(Document.acceptance_id == acceptance.id).order_by(Document.id))),
        allowed_events=tuple(e for e in allowed if e != AcceptanceEvent.OBJECT),
        created_at=acceptance.created_at, updated_at=acceptance.updated_at,
        lines=scope_lines(session, acceptance),
        recheck=None if acceptance.rechecked_by is None or acceptance.rechecked_at is None else RecheckView(
            acceptance.rechecked_by, acceptance.rechecked_at, acceptance.recheck_note, acceptance.recheck_document_id),
        votes=votes_of(session, acceptance))


#: The states in which an acceptance's first attempt may carry the leading group's votes (issue 21).
VOTED = (AcceptanceState.NOTICE_CLEAR, AcceptanceState.APPROVED, AcceptanceState.FAILED, AcceptanceState.RECTIFYING)


def votes_of(session: Session, acceptance: Acceptance) -> tuple[VoteView, ...]:
    """The leading group's votes on every attempt, in the order cast, with who cast them (one statement, read
    only once the acceptance has reached the group: a second attempt keeps the first's)."""
    if acceptance.state not in VOTED and acceptance.attempt == 1:
        return ()
    deputy = aliased(User)
    rows = session.execute(select(AcceptanceVote, User.username, deputy.username)
                           .join(User, User.id == AcceptanceVote.user_id)
                           .outerjoin(deputy, deputy.id == AcceptanceVote.cast_by)
                           .where(AcceptanceVote.acceptance_id == acceptance.id).order_by(AcceptanceVote.id))
    return tuple(VoteView(v.user_id, name, v.vote, v.opinion, v.attempt, v.created_at, cast_by)
                 for v, name, cast_by in rows)


def scope_lines(session: Session, acceptance: Acceptance) -> tuple[ScopeLineView, ...]:
    """The lines the acceptance covers, each with its amount and what other acceptances accepted of it."""
    contract = session.get(Contract, acceptance.contract_id)
    assert contract is not None
    lines = line_amounts(session, contract)
    elsewhere = accepted_elsewhere(session, contract.id, acceptance.id)
    scope = scope_of(acceptance.kind, acceptance.line_ids, lines, elsewhere)
    rows = {line.id: line for line in session.scalars(select(BudgetLine).where(BudgetLine.id.in_(scope)))}
    return tuple(ScopeLineView(line_id, _label(rows[line_id]) if line_id in rows else str(line_id),
                               lines.get(line_id, _ZERO), elsewhere.get(line_id, _ZERO)) for line_id in scope)


def _label(line: BudgetLine) -> str:
    prefix = f"{line.ref}. " if line.ref else ""
    return f"{prefix}{line.item if len(line.item) <= 24 else line.item[:24] + '…'}"


def _read_view(session: Session, actor: Actor, target: Target[Acceptance], now: datetime) -> AcceptanceView:
    allowed = engine.allowed(workflow(), actor, target.entity.state, _read(session, actor, target, now))
    return acceptance_view(session, target.entity, actor, allowed)


def get_acceptance(db: Database, actor: Actor, acceptance_id: int, now: datetime) -> AcceptanceView:
    with db.reading() as tx:
        return _read_view(tx.session, actor, SUBJECT.load(tx.session, actor, acceptance_id, lock=False), now)


def list_acceptances(db: Database, actor: Actor, contract_id: int, now: datetime) -> dict[str, Any]:
    with db.reading() as tx:
        contract, project = load_contract(tx.session, actor, contract_id)
        rows = tx.session.scalars(select(Acceptance).where(Acceptance.contract_id == contract.id)
                                  .order_by(Acceptance.id)).all()
        return pages.whole([_read_view(tx.session, actor, Target(a, project, {"contract": contract}), now)
                            for a in rows])


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
                                  .options(selectinload(Acceptance.notices), selectinload(Acceptance.verdicts))
                                  .offset((page - 1) * per_page).limit(per_page)).all()
        items = []
        for a, project_name, lot, contractor_name in rows:
            notice = a.notices[-1] if a.notices else None
            items.append({
                "id": a.id, "project_id": a.project_id, "project_name": project_name, "contract_id": a.contract_id,
                "lot": lot, "contractor_name": contractor_name, "kind": a.kind, "stage": a.stage, "state": a.state,
                "state_label": engine.state_label(workflow(), a.state),
                "accepted_total": format_yuan(accepted_total(a)),
                "notice_ends_at": None if notice is None else notice.ends_at.isoformat(),
                "updated_at": a.updated_at.isoformat()})
        return pages.page(items, total, page, per_page)


def history(db: Database, actor: Actor, acceptance_id: int) -> list[dict[str, Any]]:
    """The acceptance's steps from the audit log, in order: who applied, reviewed, published, approved, and when."""
    with db.reading() as tx:
        acceptance, _, project = load_acceptance(tx.session, actor, acceptance_id)
        return audit.entity_history(tx.session, project.id, "acceptance", acceptance.id)
