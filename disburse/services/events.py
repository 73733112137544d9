"""Firing and explaining workflow events: the steps every workflow shares (SPEC §5).

The order is the same for every machine: the role (403), the state (409
``wrong_state``), the required data (422), then the guards and checks (409 with
``unmet``). Nothing changes unless all of them pass.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from disburse.domain.unmet import Unmet
from disburse.domain.workflow import TransitionSpec, Workflow
from disburse.services.context import Actor
from disburse.services.errors import Conflict, Forbidden, Invalid

F = TypeVar("F")


def spec_of(workflow: Workflow[Any], event: str) -> TransitionSpec:
    """The event's definition, or a 422 naming the events there are."""
    spec = workflow.event(event)
    if spec is None:
        known = ", ".join(workflow.transitions)
        raise Invalid("unknown event", {"event": [f"unknown event {event!r}; one of {known}"]})
    return spec


def role_unmet(spec: TransitionSpec, actor: Actor) -> Unmet:
    roles = ", ".join(spec.roles)
    return Unmet("role_not_allowed", f"角色“{actor.role}”无权执行“{spec.zh}”（限 {roles}）",
                 f"The role '{actor.role}' may not '{spec.en}' (only {roles})", spec.clause)


def check(workflow: Workflow[F], spec: TransitionSpec, actor: Actor, state: str,
          data: Mapping[str, Any], facts: F) -> None:
    """Raise the first refusal, in the shared order; return only when the event may fire."""
    if actor.role not in spec.roles:
        refusal = role_unmet(spec, actor)
        raise Forbidden(refusal.en, audit=True, unmet=[refusal])
    wrong_state = workflow.state_unmet(spec, state)
    if wrong_state:
        raise Conflict(wrong_state[0].en, wrong_state)
    missing = {name: [f"required for {spec.trigger} ({spec.zh}时必填)"] for name in spec.requires
               if data.get(name) in (None, "", [])}
    if missing:
        raise Invalid(f"{spec.trigger} needs more data", missing)
    unmet = workflow.guard_unmet(spec, facts)
    if unmet:
        raise Conflict(f"{spec.trigger} is not possible yet: {len(unmet)} condition(s) unmet", unmet)


def evaluate(workflow: Workflow[F], spec: TransitionSpec, actor: Actor, state: str, facts: F) -> list[Unmet]:
    """Everything that stops the actor now, without event data (for ``allowed_events`` and explain)."""
    unmet = [] if actor.role in spec.roles else [role_unmet(spec, actor)]
    wrong_state = workflow.state_unmet(spec, state)
    return unmet + (wrong_state or workflow.guard_unmet(spec, facts, with_checks=False))


def allowed(workflow: Workflow[F], actor: Actor, state: str, facts: F) -> list[str]:
    """The events the actor could fire now (data still to be given does not hide one)."""
    return [spec.trigger for spec in workflow.events_from(state)
            if not evaluate(workflow, spec, actor, state, facts)]


def explanation(workflow: Workflow[F], spec: TransitionSpec, actor: Actor, state: str,
                facts: F) -> dict[str, Any]:
    """``GET …/events/{event}``: may the actor fire it, and if not, why — changing nothing."""
    unmet = evaluate(workflow, spec, actor, state, facts)
    return {"event": spec.trigger, "label": {"zh": spec.zh, "en": spec.en}, "allowed": not unmet,
            "unmet": unmet, "requires": list(spec.requires), "roles": list(spec.roles), "clause": spec.clause}


def actions(workflow: Workflow[F], actor: Actor, state: str, facts: F) -> list[dict[str, Any]]:
    """The UI's buttons: every event from ``state`` the actor's role may perform, each with
    ``allowed`` and, when not yet possible, its ``unmet`` reasons. Events of other roles are left out."""
    return [explanation(workflow, spec, actor, state, facts) for spec in workflow.events_from(state)
            if actor.role in spec.roles]


def state_label(workflow: Workflow[Any], state: str | None) -> dict[str, str] | None:
    """The state's name in Chinese and English, as the workflow file gives it."""
    if state is None:
        return None
    spec = workflow.states[state]
    return {"zh": spec.zh, "en": spec.en}
