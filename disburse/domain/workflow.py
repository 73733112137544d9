"""Workflows as data: a YAML definition driven by the ``transitions`` library (SPEC §5; issue 15).

A file in ``workflows/`` names, for each event (a *transition*), the states it leaves and reaches, the
roles that may fire it, the event data it requires, its **guards** (conditions on the object), its
**checks** (conditions on the event's data), and its **effects** (what it does besides moving the
state) — each by name. The names are bound to plain functions handed in as :class:`Functions`, and
:class:`Workflow` checks both ways when it loads: a name the file uses that has no function, and a
function no transition of the file uses, are errors naming the file and the transition, so renaming
a trigger or an effect in the YAML cannot silently skip its code.

One shared ``transitions`` machine per workflow owns the transition table (``auto_transitions=False``,
STYLE.md): :meth:`Workflow.move` triggers the event on a small holder of the state — never a model
registered with the machine, so nothing is shared between requests and no lock is needed — and the
machine runs the event's effects as its ``after`` callbacks, in the order the file lists them. The
state itself is kept in a database column by the caller, which commits once: the library does not roll
a state back when a later callback fails (transitions issue #202), the unit of work does.

An event may lead to one of several states: ``dest`` is then a list and ``choose`` names the function
that picks the state from the facts. ``dest: $previous`` is the built-in choice "the state the machine
left" (suspend/resume); the facts then carry ``previous_state``. ``source: $new`` marks the event that
creates the object (a payment request, an acceptance application): it starts from no state.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from transitions import Machine

from disburse.domain.unmet import Unmet

PREVIOUS = "$previous"
#: The source of the event that creates the object: before it, the object has no state.
NEW = "$new"

F = TypeVar("F")
C = TypeVar("C")
Guard = Callable[[F], list[Unmet]]
Chooser = Callable[[F], str]
Effect = Callable[[C], None]


@dataclass(frozen=True)
class StateSpec:
    name: str
    zh: str
    en: str


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    sources: tuple[str, ...]
    dests: tuple[str, ...]
    chooser: str | None
    roles: tuple[str, ...]
    requires: tuple[str, ...]
    guards: tuple[str, ...]
    checks: tuple[str, ...]
    effects: tuple[str, ...]
    zh: str
    en: str
    clause: str
    #: What the page asks before firing an irreversible event (``confirm: {zh, en}`` in the file), or None.
    confirm: Mapping[str, str] | None = None

    @property
    def creates(self) -> bool:
        """The event creates its object (``source: $new``)."""
        return self.sources == (NEW,)


@dataclass(frozen=True)
class Functions(Generic[F, C]):
    """What a workflow file is bound to: the names the code uses for its states and events
    (:mod:`disburse.domain.states`), and the functions it names — guards and checks (facts → unmet),
    choosers (facts → state), effects (effect context → None)."""

    states: type[StrEnum]
    events: type[StrEnum]
    guards: Mapping[str, Guard[F]]
    choosers: Mapping[str, Chooser[F]] = field(default_factory=dict)
    effects: Mapping[str, Effect[C]] = field(default_factory=dict)


class WorkflowError(RuntimeError):
    """The definition is inconsistent with itself or its functions, or the machine refused a move."""


class _Holder:
    """What the shared machine moves: a state, the state a choice picked, and the effects' context."""

    def __init__(self, state: str, choice: str | None) -> None:
        self.state = state
        self.choice = choice


class Workflow(Generic[F, C]):
    """One workflow definition, bound to its functions, with its shared machine."""

    def __init__(self, definition: Mapping[str, Any], functions: Functions[F, C], source: str = "<workflow>") -> None:
        self.source = source
        self.name: str = definition["name"]
        self.label: Mapping[str, str] = definition.get("label", {"zh": self.name, "en": self.name})
        self.initial: str = definition["initial"]
        self.states = {s["name"]: StateSpec(s["name"], s["zh"], s["en"]) for s in definition["states"]}
        self.transitions: dict[str, TransitionSpec] = {}
        for t in definition["transitions"]:
            spec = self._spec(t)
            if spec.trigger in self.transitions:
                raise WorkflowError(f"{source}: transition '{spec.trigger}' is declared twice")
            self.transitions[spec.trigger] = spec
        self.functions = functions
        self._check_names()
        self._machine = Machine(model=None, states=[NEW, *self.states], initial=self.initial,
                                transitions=self._machine_transitions(), auto_transitions=False, send_event=True)

    def _spec(self, t: Mapping[str, Any]) -> TransitionSpec:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        if t["dest"] == PREVIOUS:
            dests, chooser = [s for s in self.states if s not in sources], PREVIOUS
        elif isinstance(t["dest"], list):
            if "choose" not in t:
                raise WorkflowError(f"{self.source}: transition '{t['trigger']}' has several dests and no 'choose'")
            dests, chooser = t["dest"], str(t["choose"])
        else:
            dests, chooser = [t["dest"]], None
        return TransitionSpec(
            trigger=t["trigger"], sources=tuple(sources), dests=tuple(dests), chooser=chooser,
            roles=tuple(t.get("roles", ())), requires=tuple(t.get("requires", ())),
            guards=_flat(t.get("guards", ())), checks=_flat(t.get("checks", ())), effects=_flat(t.get("effects", ())),
            zh=t.get("zh", t["trigger"]), en=t.get("en", t["trigger"]), clause=t.get("clause", ""),
            confirm=t.get("confirm"),
        )

    def _check_names(self) -> None:
        """The file's states and triggers are the code's, every name the file uses has its function, and
        every function is used by the file."""
        for kind, declared, named in (("state", set(self.states), {s.value for s in self.functions.states}),
                                      ("trigger", set(self.transitions), {e.value for e in self.functions.events})):
            for name in sorted(declared - named):
                raise WorkflowError(f"{self.source}: the {kind} '{name}' is not one the code knows "
                                    f"({', '.join(sorted(named))}); renamed?")
            for name in sorted(named - declared):
                raise WorkflowError(f"{self.source}: the code uses the {kind} '{name}', which the file "
                                    f"does not declare; renamed?")
        kinds = (("guard", self.functions.guards, lambda t: (*t.guards, *t.checks)),
                 ("chooser", {PREVIOUS: _previous_state, **self.functions.choosers},
                  lambda t: (t.chooser,) if t.chooser else ()),
                 ("effect", self.functions.effects, lambda t: t.effects))
        for kind, registered, used_by in kinds:
            used: set[str] = set()
            for t in self.transitions.values():
                for name in used_by(t):
                    if name not in registered:
                        raise WorkflowError(f"{self.source}: transition '{t.trigger}' names the {kind} '{name}', "
                                            f"which has no function (registered: {', '.join(sorted(registered))})")
                    used.add(name)
            unused = set(registered) - used - {PREVIOUS}
            if unused:
                raise WorkflowError(f"{self.source}: the {kind}(s) {', '.join(sorted(unused))} have a function but no "
                                    f"transition of the file names them (a trigger renamed?)")
        for t in self.transitions.values():
            for state in (*t.sources, *t.dests):
                if state not in self.states and state != NEW:
                    raise WorkflowError(f"{self.source}: transition '{t.trigger}' names the unknown state '{state}'")

    def _machine_transitions(self) -> list[dict[str, Any]]:
        """The machine's table: one entry per event and destination, the effects as ``after`` callbacks."""
        result: list[dict[str, Any]] = []
        for t in self.transitions.values():
            after = [self._effects_of(t)] if t.effects else []
            for state in t.dests:
                entry: dict[str, Any] = {"trigger": t.trigger, "source": list(t.sources), "dest": state,
                                         "after": after}
                if t.chooser is not None:
                    entry["conditions"] = [lambda event, s=state: event.model.choice == s]
                result.append(entry)
        return result

    def _effects_of(self, spec: TransitionSpec) -> Callable[[Any], None]:
        effects = [self.functions.effects[name] for name in spec.effects]

        def run(event: Any) -> None:
            context = event.kwargs.get("context")
            if context is None:  # a move only asked where the event leads
                return
            for effect in effects:
                effect(context)

        return run

    @classmethod
    def load(cls, path: Path, functions: Functions[F, C]) -> "Workflow[F, C]":
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh), functions, source=f"workflows/{path.name}")

    def event(self, trigger: str) -> TransitionSpec | None:
        return self.transitions.get(trigger)

    def creation(self) -> TransitionSpec:
        """The event that creates the object (``source: $new``)."""
        found = [t for t in self.transitions.values() if t.creates]
        if len(found) != 1:
            raise WorkflowError(f"{self.source}: expected one transition from {NEW}, found {len(found)}")
        return found[0]

    def events_from(self, state: str) -> list[TransitionSpec]:
        return [t for t in self.transitions.values() if state in t.sources]

    def state_unmet(self, spec: TransitionSpec, state: str) -> list[Unmet]:
        """The event must start from one of its source states."""
        if state in spec.sources:
            return []
        here = self.states[state]
        return [Unmet("wrong_state", f"当前状态为“{here.zh}”，不能{spec.zh}",
                      f"'{spec.en}' is not possible while the {self.name} is {here.en.lower()}", spec.clause)]

    def guard_unmet(self, spec: TransitionSpec, facts: F, *, with_checks: bool = True) -> list[Unmet]:
        """The event's guards (on the object) and, unless left out, its checks (on the event's data),
        evaluated; each returns what it finds unmet."""
        unmet: list[Unmet] = []
        for name in (*spec.guards, *spec.checks) if with_checks else spec.guards:
            unmet.extend(self.functions.guards[name](facts))
        return unmet

    def move(self, spec: TransitionSpec, state: str, facts: F, context: C | None = None) -> str:
        """Fire ``spec`` from ``state`` through the shared machine: the machine picks the destination and,
        given a ``context``, runs the event's effects on it; where the state lands is returned."""
        choosers = {PREVIOUS: _previous_state, **self.functions.choosers}
        holder = _Holder(state, choosers[spec.chooser](facts) if spec.chooser else None)
        if not self._machine.events[spec.trigger].trigger(holder, context=context):
            raise WorkflowError(f"{self.name}: {spec.trigger} refused from {state}")
        return holder.state

    def target(self, spec: TransitionSpec, state: str, facts: F) -> str:
        """Where ``spec`` leads from ``state`` on these facts, without running its effects."""
        return self.move(spec, state, facts)


def _flat(names: Any) -> tuple[str, ...]:
    """Name lists may include a YAML alias of another list (``[*gates, other]``)."""
    result: list[str] = []
    for name in names:
        result.extend(_flat(name) if isinstance(name, list) else [name])
    return tuple(result)


def _previous_state(facts: Any) -> str:
    """``$previous``: the state the machine left (facts carry ``previous_state``)."""
    return str(facts.previous_state)
