"""The one path every workflow event takes (issue 15; docs/architecture.md).

:func:`fire` fires any event of any workflow inside one unit of work, in this order:

1. **authorise** — load the object the event acts on (or, for the event that creates it, its parent)
   through :mod:`disburse.services.access` under its locks: outside the jurisdiction is a 404;
2. **replay** — an ``Idempotency-Key`` already answered returns its first response;
3. **read the facts once** — the workflow's :class:`Subject` reads everything its guards look at;
4. **check** — the role (403), the state (409 ``wrong_state``), the required data (422), then every
   guard and check once (409 with ``unmet``);
5. **move** — the ``transitions`` machine built from the YAML picks the destination and runs the
   event's declared **effects** as its callbacks (:meth:`disburse.domain.workflow.Workflow.move`);
6. **record** — the audit entry, the last write before the commit;
7. answer with the object's view, whose ``allowed_events`` come from the same facts.

Nothing changes unless every check passes. A denied access (403, or a 404 for something outside the
jurisdiction) is written to the audit log here, in a transaction of its own, whoever asked — a request,
the command line or the scheduler. :func:`fire_in` is steps 3–6 inside a caller's transaction, for an
effect that moves another workflow (the first acceptance application starts the project's acceptance).
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import Project
from disburse.domain import labels
from disburse.domain.unmet import Unmet
from disburse.domain.workflow import NEW, TransitionSpec, Workflow, WorkflowError
from disburse.services import audit, delegations, errors, idempotency
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid, ServiceError
from disburse.services.idempotency import Idem

E = TypeVar("E")
F = TypeVar("F")


@dataclass
class Target(Generic[E]):
    """What an event acts on: the object (not yet in the session for a creation), its project, and the
    objects between them that its facts and effects need (a payment's contract)."""

    entity: E
    project: Project
    parents: dict[str, Any] = field(default_factory=dict)


@dataclass
class Step(Generic[E, F]):
    """One event being fired: what its effects read and what they write.

    Effects change ``target.entity`` (and its relations), put new rows in :meth:`add`, say what the
    audit entry records in ``record`` (a value may be a function, read after the new rows have their
    ids), and may replace ``facts`` with what they changed, so the answer's ``allowed_events`` are
    computed on the facts as they now stand. They never query the database: what they need is in the
    facts, read once before the checks.
    """

    actor: Actor
    origin: Origin
    spec: TransitionSpec
    target: Target[E]
    facts: F
    data: Mapping[str, Any]
    now: datetime
    before: str
    after: str = ""
    record: dict[str, Any] = field(default_factory=dict)
    added: list[Any] = field(default_factory=list)
    #: what an effect finishes once the new rows have their ids (see :meth:`later`)
    finishing: list[Callable[[], None]] = field(default_factory=list)
    #: set by the engine: fires an event of another workflow in the same transaction (see :func:`fire_in`)
    cascade: Callable[["Subject[Any, Any]", Target[Any], str, Mapping[str, Any]], None] | None = None

    def add(self, row: Any) -> Any:
        self.added.append(row)
        return row

    def later(self, finish: Callable[[], None]) -> None:
        """Run ``finish`` once the new rows have their ids, before the audit entry (a snapshot of what the
        event wrote, a value that points at a new row)."""
        self.finishing.append(finish)

    @property
    def entity(self) -> E:
        return self.target.entity


class Subject(Protocol[E, F]):
    """One workflow's part of the path: where its objects are, what its guards look at, how it answers."""

    #: the audit entries' ``entity_type`` and the prefix of their ``action`` (``payment.approve``)
    kind: str

    def workflow(self) -> Workflow[F, Step[E, F]]: ...

    def load(self, session: Session, actor: Actor, ident: int, *, lock: bool) -> Target[E]: ...

    def new(self, session: Session, actor: Actor, parent: int, data: Mapping[str, Any], now: datetime) -> Target[E]:
        """The object an event creates, under the parent ``parent`` (locked), not yet in the session."""
        ...

    def facts(self, session: Session, target: Target[E], actor: Actor, data: Mapping[str, Any],
              now: datetime) -> F: ...

    def state(self, entity: E) -> str: ...

    def moved(self, step: Step[E, F]) -> None:
        """Write the new state (and when it changed) on the object."""
        ...

    def view(self, session: Session, step: Step[E, F], allowed: list[str]) -> Any:
        """The object's typed view (:mod:`disburse.services.views`) with the reader's allowed events."""
        ...


class RowState(Generic[E, F]):
    """``state`` and ``moved`` of a :class:`Subject` whose object keeps its state and the time it last
    changed in ``state`` and ``updated_at`` columns (every workflow's object does)."""

    def state(self, entity: E) -> str:
        return str(entity.state)  # type: ignore[attr-defined]

    def moved(self, step: Step[E, F]) -> None:
        step.entity.state, step.entity.updated_at = step.after, step.now  # type: ignore[attr-defined]


def spec_of(workflow: Workflow[Any, Any], event: str) -> TransitionSpec:
    """The event's definition, or a 422 naming the events there are."""
    spec = workflow.event(event)
    if spec is None or spec.creates:
        known = ", ".join(t for t, s in workflow.transitions.items() if not s.creates)
        raise Invalid("unknown event", {"event": [f"unknown event {event!r}; one of {known}"]})
    return spec


@contextmanager
def denials_recorded(db: Database, actor: Actor | None, origin: Origin, what: str) -> Iterator[None]:
    """Write a denied access to the audit log in a transaction of its own (SPEC §6), then let it go on."""
    try:
        yield
    except ServiceError as exc:
        if exc.extra.get("audit") and not exc.extra.get("recorded"):
            audit.record_denial(db, actor, origin, status=exc.status, method="EVENT", path=what, reason=exc.detail)
            exc.extra["recorded"] = True
        raise


def fire(db: Database, subject: Subject[E, F], actor: Actor, origin: Origin, ident: int, event: str,
         data: Mapping[str, Any], now: datetime, idem: Idem | None = None) -> tuple[int, Any]:
    """Fire ``event`` on the object ``ident`` in one transaction; returns 200 and the object's view."""
    return _run(db, subject, actor, origin, ident, spec_of(subject.workflow(), event), data, now, idem)


def create(db: Database, subject: Subject[E, F], actor: Actor, origin: Origin, parent: int,
           data: Mapping[str, Any], now: datetime, idem: Idem | None = None) -> tuple[int, Any]:
    """Fire the workflow's creating event (``source: $new``) under the parent ``parent`` in one
    transaction; returns 201 and the new object's view."""
    return _run(db, subject, actor, origin, parent, subject.workflow().creation(), data, now, idem)


def _run(db: Database, subject: Subject[E, F], actor: Actor, origin: Origin, ident: int, spec: TransitionSpec,
         data: Mapping[str, Any], now: datetime, idem: Idem | None) -> tuple[int, Any]:
    workflow = subject.workflow()

    def run() -> tuple[int, Any]:
        with denials_recorded(db, actor, origin, f"{subject.kind} {spec.trigger} on {ident}"), \
                db.writing() as tx:
            session = tx.session
            actor_now, own_name = delegations.acting(session, actor, spec.roles, data, now)
            if spec.creates:
                target = subject.new(session, actor_now, ident, data, now)
            else:
                target = subject.load(session, actor_now, ident, lock=True)
            stored = idempotency.replay(session, actor, idem)
            if stored is not None:
                return stored
            step = fire_in(session, subject, actor_now, origin, target, spec, data, now, own_name=own_name)
            view = subject.view(session, step, allowed(workflow, step.actor, step.after, step.facts))
            status = 201 if spec.creates else 200
            idempotency.remember(session, actor, idem, status, view)
            tx.commit()
            return status, view

    return idempotency.guarded(db, actor, idem, run)


def fire_in(session: Session, subject: Subject[E, F], actor: Actor, origin: Origin, target: Target[E],
            spec: TransitionSpec, data: Mapping[str, Any], now: datetime, *,
            own_name: Actor | None = None) -> Step[E, F]:
    """Steps 3–6 of :func:`fire` on a loaded (and locked) object, inside the caller's transaction.

    ``own_name``: a deputy acting for a principal without saying so (:func:`disburse.services.delegations.acting`)
    who may also fire the event in their own name; if the principal's checks refuse it (the principal already
    took a step on the payment), the event is checked, and fired, in the deputy's own name. Nothing has changed
    before the checks, so the second reading starts clean."""
    workflow = subject.workflow()
    before = NEW if spec.creates else subject.state(target.entity)
    facts = subject.facts(session, target, actor, data, now)
    try:
        check(workflow, spec, actor, before, data, facts)
    except ServiceError:
        if own_name is None:
            raise
        actor, facts = own_name, subject.facts(session, target, own_name, data, now)
        check(workflow, spec, actor, before, data, facts)
    if spec.creates:  # the new object takes its id now, so its effects can point at it
        session.add(target.entity)
        session.flush()
    step: Step[E, F] = Step(actor, origin, spec, target, facts, data, now, before)
    step.cascade = lambda other, other_target, event, other_data: _cascade(session, origin, now, other, other_target,
                                                                            event, other_data)
    step.after = workflow.move(spec, before, facts, step)
    subject.moved(step)
    session.add_all(step.added)
    session.flush()
    added = len(step.added)
    for finish in step.finishing:
        finish()
    session.add_all(step.added[added:])
    entity_id = getattr(target.entity, "id", None)
    audit_log.append(session, action=f"{subject.kind}.{spec.trigger}", actor=actor, origin=origin,
                     entity_type=subject.kind, entity_id=entity_id, project_id=target.project.id,
                     region_code=target.project.region_code,
                     from_state=None if spec.creates else before, to_state=step.after,
                     data={k: v() if callable(v) else v for k, v in step.record.items()}, note=data.get("note"),
                     at=now)
    return step


def _cascade(session: Session, origin: Origin, now: datetime, subject: Subject[Any, Any], target: Target[Any],
             event: str, data: Mapping[str, Any]) -> None:
    """An effect's event on another workflow, fired by the system in the same transaction; the event may
    create its object (``target`` holds it, not yet in the session): a failed evaluation orders a recovery."""
    from disburse.services.context import SYSTEM

    spec = subject.workflow().event(event)
    if spec is None:
        raise WorkflowError(f"{subject.kind}: no event {event!r} to cascade")
    fire_in(session, subject, SYSTEM, origin, target, spec, data, now)


# --- the checks, shared by firing, explaining and the buttons ---------------------------------------


def role_unmet(spec: TransitionSpec, actor: Actor) -> Unmet:
    roles_zh = "、".join(labels.of(labels.ROLES, role, "zh") for role in spec.roles)
    roles_en = ", ".join(labels.of(labels.ROLES, role, "en") for role in spec.roles)
    return Unmet("role_not_allowed",
                 f"角色“{labels.of(labels.ROLES, actor.role, 'zh')}”无权执行“{spec.zh}”（限 {roles_zh}）",
                 f"The role '{labels.of(labels.ROLES, actor.role, 'en')}' may not '{spec.en}' (only {roles_en})",
                 spec.clause)


def check(workflow: Workflow[F, Any], spec: TransitionSpec, actor: Actor, state: str,
          data: Mapping[str, Any], facts: F) -> None:
    """Raise the first refusal, in the shared order; return only when the event may fire."""
    if actor.role not in spec.roles:
        refusal = role_unmet(spec, actor)
        raise Forbidden(refusal.en, audit=True, unmet=[refusal])
    if state != NEW:
        wrong_state = workflow.state_unmet(spec, state)
        if wrong_state:
            raise Conflict(wrong_state[0].en, wrong_state)
    # An empty list is given: the checks judge it (a final acceptance of a contract whose lines were all
    # accepted in its stages has no line left to give a verdict on, issue 17).
    missing = {name: [f"required for {spec.trigger} ({spec.zh}时必填)"] for name in spec.requires
               if data.get(name) is None or data.get(name) == ""}
    if missing:
        raise Invalid(f"{spec.trigger} needs more data", missing)
    unmet = workflow.guard_unmet(spec, facts)
    if unmet:
        errors.refuse(unmet, f"invalid {spec.trigger}",
                      f"{spec.trigger} is not possible yet: {len(unmet)} condition(s) unmet")


def evaluate(workflow: Workflow[F, Any], spec: TransitionSpec, actor: Actor, state: str, facts: F) -> list[Unmet]:
    """Everything that stops the actor now, without event data (for ``allowed_events`` and explain)."""
    unmet = [] if actor.role in spec.roles else [role_unmet(spec, actor)]
    wrong_state = workflow.state_unmet(spec, state)
    return unmet + (wrong_state or workflow.guard_unmet(spec, facts, with_checks=False))


def allowed(workflow: Workflow[F, Any], actor: Actor, state: str, facts: F) -> list[str]:
    """The events the actor could fire now (data still to be given does not hide one)."""
    return [spec.trigger for spec in workflow.events_from(state)
            if not evaluate(workflow, spec, actor, state, facts)]


def explanation(workflow: Workflow[F, Any], spec: TransitionSpec, actor: Actor, state: str,
                facts: F) -> dict[str, Any]:
    """``GET …/events/{event}``: may the actor fire it, and if not, why — changing nothing."""
    unmet = evaluate(workflow, spec, actor, state, facts)
    return {"event": spec.trigger, "label": {"zh": spec.zh, "en": spec.en}, "allowed": not unmet,
            "unmet": unmet, "requires": list(spec.requires), "roles": list(spec.roles), "clause": spec.clause,
            "confirm": spec.confirm}


def actions(workflow: Workflow[F, Any], actor: Actor, state: str, facts: F) -> list[dict[str, Any]]:
    """The UI's buttons: every event from ``state`` the actor's role may perform, each with
    ``allowed`` and, when not yet possible, its ``unmet`` reasons. Events of other roles are left out."""
    return [explanation(workflow, spec, actor, state, facts) for spec in workflow.events_from(state)
            if actor.role in spec.roles]


def state_label(workflow: Workflow[Any, Any], state: str | None) -> dict[str, str] | None:
    """The state's name in Chinese and English, as the workflow file gives it."""
    if state is None:
        return None
    spec = workflow.states[state]
    return {"zh": spec.zh, "en": spec.en}
