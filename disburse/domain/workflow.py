"""Workflows as data: a YAML definition driven by the ``transitions`` library.

SPEC §5: one shared machine per workflow, ``auto_transitions=False``, the state
kept in a column. The definition names, for each event, the roles that may fire
it, the event data it requires, its guards (conditions on the object) and its
checks (conditions on the event's data) by name; the guard functions are
plain domain functions handed in as a registry. The machine is shared, so a
model is attached only for the moment it fires (STYLE.md, transitions issue
#146), under a lock.

An event may lead to one of several states: ``dest`` is then a list and
``choose`` names a domain function that picks the state from the facts (an
objection dismissed while the notice still runs returns to ``in_notice``).
``dest: $previous`` is the built-in choice "the state the machine left", used
by suspend/resume; the facts then carry ``previous_state``.
"""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from transitions import Machine

from disburse.domain.unmet import Unmet

PREVIOUS = "$previous"

F = TypeVar("F")
Guard = Callable[[F], list[Unmet]]
Chooser = Callable[[F], str]


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
    zh: str
    en: str
    clause: str


class _Holder:
    """What the shared machine moves: a state and, for a choice, the state chosen."""

    def __init__(self, state: str, choice: str | None) -> None:
        self.state = state
        self.choice = choice


class WorkflowError(RuntimeError):
    """The definition is inconsistent, or the machine refused what the checks allowed."""


class Workflow(Generic[F]):
    """One workflow definition with its guard registry and its shared machine."""

    def __init__(self, definition: Mapping[str, Any], guards: Mapping[str, Guard[F]],
                 choosers: Mapping[str, Chooser[F]] | None = None) -> None:
        self.name: str = definition["name"]
        self.initial: str = definition["initial"]
        self.states = {s["name"]: StateSpec(s["name"], s["zh"], s["en"]) for s in definition["states"]}
        self.transitions: dict[str, TransitionSpec] = {}
        for t in definition["transitions"]:
            sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
            if t["dest"] == PREVIOUS:
                dests, chooser = [s for s in self.states if s not in sources], PREVIOUS
            elif isinstance(t["dest"], list):
                dests, chooser = t["dest"], t["choose"]
            else:
                dests, chooser = [t["dest"]], None
            spec = TransitionSpec(
                trigger=t["trigger"],
                sources=tuple(sources),
                dests=tuple(dests),
                chooser=chooser,
                roles=tuple(t.get("roles", ())),
                requires=tuple(t.get("requires", ())),
                guards=_flat(t.get("guards", ())),
                checks=_flat(t.get("checks", ())),
                zh=t.get("zh", t["trigger"]),
                en=t.get("en", t["trigger"]),
                clause=t.get("clause", ""),
            )
            self.transitions[spec.trigger] = spec
        #: guards checked when an object is created rather than moved (e.g. a payment request)
        self.gates: tuple[str, ...] = _flat(definition.get("gates", ()))
        missing = {g for t in self.transitions.values() for g in (*t.guards, *t.checks)} | set(self.gates)
        missing -= set(guards)
        if missing:
            raise WorkflowError(f"workflow {self.name}: guards without an implementation: {sorted(missing)}")
        unknown = {s for t in self.transitions.values() for s in (*t.sources, *t.dests)} - set(self.states)
        if unknown:
            raise WorkflowError(f"workflow {self.name}: unknown states {sorted(unknown)}")
        self.choosers: dict[str, Chooser[F]] = {PREVIOUS: _previous_state, **(choosers or {})}
        missing = {t.chooser for t in self.transitions.values() if t.chooser} - set(self.choosers)
        if missing:
            raise WorkflowError(f"workflow {self.name}: choosers without an implementation: {sorted(missing)}")
        self.guards = dict(guards)
        self._lock = threading.Lock()
        self._machine = Machine(
            model=None,
            states=list(self.states),
            initial=self.initial,
            transitions=self._machine_transitions(),
            auto_transitions=False,
            send_event=True,
        )

    def _machine_transitions(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = []
        for t in self.transitions.values():
            if t.chooser is None:
                result.append({"trigger": t.trigger, "source": list(t.sources), "dest": t.dests[0]})
                continue
            for state in t.dests:
                result.append(
                    {
                        "trigger": t.trigger,
                        "source": list(t.sources),
                        "dest": state,
                        "conditions": [lambda event, s=state: event.model.choice == s],
                    }
                )
        return result

    @classmethod
    def load(cls, path: Path, guards: Mapping[str, Guard[F]],
             choosers: Mapping[str, Chooser[F]] | None = None) -> "Workflow[F]":
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh), guards, choosers)

    def event(self, trigger: str) -> TransitionSpec | None:
        return self.transitions.get(trigger)

    def events_from(self, state: str) -> list[TransitionSpec]:
        return [t for t in self.transitions.values() if state in t.sources]

    def state_unmet(self, spec: TransitionSpec, state: str) -> list[Unmet]:
        """The event must start from one of its source states."""
        if state in spec.sources:
            return []
        here = self.states[state]
        return [
            Unmet(
                "wrong_state",
                f"当前状态为“{here.zh}”，不能{spec.zh}",
                f"'{spec.en}' is not possible while the {self.name} is {here.en.lower()}",
                spec.clause,
            )
        ]

    def gate_unmet(self, facts: F) -> list[Unmet]:
        """The workflow's creation gates (``gates:`` in the file), evaluated."""
        return [u for name in self.gates for u in self.guards[name](facts)]

    def guard_unmet(self, spec: TransitionSpec, facts: F, *, with_checks: bool = True) -> list[Unmet]:
        """The event's guards (on the object) and, unless left out, its checks (on the event's
        data), evaluated; each returns what it finds unmet."""
        unmet: list[Unmet] = []
        for name in (*spec.guards, *spec.checks) if with_checks else spec.guards:
            unmet.extend(self.guards[name](facts))
        return unmet

    def target(self, spec: TransitionSpec, state: str, facts: F) -> str:
        """Move a state through the shared machine and return where it lands."""
        choice = self.choosers[spec.chooser](facts) if spec.chooser else None
        holder = _Holder(state, choice)
        with self._lock:
            self._machine.add_model(holder, initial=state)
            try:
                moved = getattr(holder, spec.trigger)()
            finally:
                self._machine.remove_model(holder)
        if not moved:
            raise WorkflowError(f"{self.name}: {spec.trigger} refused from {state}")
        return holder.state


def _flat(names: Any) -> tuple[str, ...]:
    """Guard lists may include a YAML alias of another list (``[*gates, other]``)."""
    result: list[str] = []
    for name in names:
        result.extend(_flat(name) if isinstance(name, list) else [name])
    return tuple(result)


def _previous_state(facts: Any) -> str:
    """``$previous``: the state the machine left (facts carry ``previous_state``)."""
    return str(facts.previous_state)
