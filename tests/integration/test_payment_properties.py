"""Payments as a state machine under random steps, on a real database (SPEC §5.1–§5.3, §8).

A hypothesis ``RuleBasedStateMachine`` drives the service layer (no HTTP) on a fresh copy of a
migrated database per run. Its ``initialize`` walks seed 003's plan (example "003", 霞浦县 stand-in,
rule set xx-2024) to ``contractor_selected`` with two contracts (A: lines 1–2 for 650万, B: lines 3–5
for 350万; schedule advance 0.30 / one stage 0.40 / final 0.30) and creates the county's users: two
commerce, two finance, a leader, the city's inspector and supervisor, and one contractor per contract.

Rules are small steps, valid or not: payment requests with amounts at, just over and under the gates'
limits; verify/approve/disburse/reject/cancel of a random payment by a user of the right or the wrong
role; acceptances (apply, review, pass with per-line verdicts or fail, publish, the clock past the
notice, close, leader approval, rectify, re-apply); suspend/resume; the final audit and clawback;
recoveries (issue 17) ordered, proposed, confirmed or dismissed, and received in part or whole, in any state.

A model predicts, from SPEC §5.3, whether each payment and project step must be allowed; the service
must agree both ways, and a refusal must be a ``ServiceError`` that writes nothing. After every step
the invariants are read from the database with SQLAlchemy: the money limits, what a disbursement
relies on, segregation of duties, the project's state at every payment step (from the audit log),
the audit chain, one audit entry per payment state change, no float anywhere money is read, and
recovered ≤ ordered ≤ disbursed with outstanding = ordered − received ≥ 0.
"""

import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text

from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    AuditEntry,
    BudgetLine,
    Contract,
    Notice,
    Payment,
    Project,
    RecoveryOrder,
    RecoveryReceipt,
    RecoveryShare,
    User,
    Verdict,
)
from disburse.api.schemas import AcceptanceOut, ContractIn, PaymentOut, ProjectOut
from disburse.clock import ManualClock
from disburse.domain.states import RECOVERY_ORDERED, RECOVERY_OWED
from disburse.schemas.plan import load_plan
from disburse.services import acceptances, allocations, audit, contracts, payments, projects, recoveries
from disburse.services.context import Actor, Origin
from disburse.services.errors import ServiceError
from disburse.services.users import actor_by_username
from tests.flow import CITY, CODE_A, CODE_B, COUNTY, NAME_A, NAME_B, PUBLISHED_AT, TENDER, Flow
from tests.helpers import example, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")
ADVANCE_SHARE = Decimal("0.30")  # min(schedule 0.30, rule set xx-2024 cap 0.30)
STAGE_SHARE = Decimal("0.40")
IN_FLIGHT = ("requested", "verified", "approved")
COMMITTED = (*IN_FLIGHT, "disbursed")
INACTIVE = ("suspended", "closed", "clawback")
MONEY_TEXT = re.compile(r"^\d+\.\d{2}$")
MISSING_ACCEPTANCE = 999_999  # an acceptance id that does not exist

COMMERCE = ("xp-commerce-1", "xp-commerce-2")
FINANCE = ("xp-finance-1", "xp-finance-2")
LEADER = "xp-leader"
INSPECTOR = "nd-inspector"
SUPERVISOR = "nd-supervisor"
CONTRACTORS = ("xp-contractor-a", "xp-contractor-b")
ROLES = {COMMERCE[0]: "commerce", COMMERCE[1]: "commerce", FINANCE[0]: "finance", FINANCE[1]: "finance",
         LEADER: "leader", INSPECTOR: "inspector", SUPERVISOR: "supervisor",
         CONTRACTORS[0]: "contractor", CONTRACTORS[1]: "contractor"}
USERNAMES = tuple(ROLES)

#: Payment steps: the states they leave, where they lead, who may fire them (workflows/payment.yaml).
STEP_SOURCE = {"verify": ("requested",), "approve": ("verified",), "disburse": ("approved",),
               "reject": ("requested", "verified"), "cancel": ("requested", "verified")}
STEP_TARGET = {"verify": "verified", "approve": "approved", "disburse": "disbursed", "reject": "rejected",
               "cancel": "cancelled"}
STEP_ROLES = {"verify": ("commerce",), "approve": ("finance",), "disburse": ("finance",),
              "reject": ("commerce", "finance"), "cancel": ("contractor", "commerce")}
GATED = ("verify", "approve", "disburse")
#: The steps segregation of duties counts (SPEC §5.3: request, verify, approve, disburse).
DUTIES = ("request", "verify", "approve", "disburse")

#: Acceptance events (workflows/acceptance.yaml): source states and roles.
ACC_SOURCE = {"start_review": ("applied",), "pass": ("under_review",), "fail": ("under_review",),
              "finance_recheck": ("passed",), "publish": ("passed", "rechecked"), "close_notice": ("in_notice",),
              "approve": ("notice_clear",), "rectify": ("failed",), "reapply": ("rectifying",)}
ACC_ROLES = {"start_review": ("commerce",), "pass": ("commerce",), "fail": ("commerce",),
             "finance_recheck": ("finance",), "publish": ("commerce",), "close_notice": ("commerce",),
             "approve": ("leader",), "rectify": ("commerce",), "reapply": ("contractor", "commerce")}
#: xx-2024 (seed 003 §5(2)3①): finance re-checks the review result before the notice (issue 17).
NEXT_EVENT = {"applied": "start_review", "under_review": "pass", "passed": "finance_recheck", "rechecked": "publish",
              "in_notice": "close_notice", "notice_clear": "approve", "failed": "rectify", "rectifying": "reapply",
              "approved": "approve"}
#: Where an acceptance's 合格 verdicts stand: its lines are accepted, no later acceptance covers them (issue 17).
STANDING = ("passed", "rechecked", "in_notice", "objected", "notice_clear", "approved")

#: CI (which sets CI=true) replays one fixed set of examples, so a landing never depends on luck;
#: everywhere else each run explores new random sequences.
SETTINGS = settings(max_examples=25, stateful_step_count=30, deadline=None, database=None,
                    derandomize=os.environ.get("CI") == "true",
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])

#: What the runs did, over the whole module (printed with ``-s``; a sanity check on coverage).
STATS: Counter[str] = Counter()


def fen(amount: int) -> Decimal:
    """Integer fen as exact Decimal yuan."""
    return Decimal(amount).scaleb(-2).quantize(FEN)


def to_fen(amount: Decimal) -> int:
    return int(amount * 100)


def no_float(value: str) -> Any:
    raise AssertionError(f"a JSON float in the audit log: {value}")


@dataclass
class MContract:
    id: int
    amount: Decimal
    lines: dict[int, Decimal]
    contractor: str  # username of its contractor


@dataclass
class MAcceptance:
    id: int
    contract_id: int
    kind: str
    stage: int | None
    state: str = "applied"
    verdict_by: int | None = None
    accepted_total: Decimal = Decimal(0)
    notice_ends_at: datetime | None = None
    #: the lines a stage names (issue 17); None: every line of the contract not yet accepted
    line_ids: tuple[int, ...] | None = None
    #: line → (result, accepted amount), as recorded
    verdicts: dict[int, tuple[str, Decimal]] = field(default_factory=dict)


@dataclass
class MPayment:
    id: int
    contract_id: int
    kind: str
    amount: Decimal
    acceptance_id: int | None
    requested_by: int | None
    state: str = "requested"
    steps: dict[str, int | None] = field(default_factory=dict)
    #: the audit trail the model expects: (action, from_state, to_state)
    trail: list[tuple[str, str | None, str]] = field(default_factory=list)


@dataclass
class MRecovery:
    """A recovery as the model sees it (issue 17)."""

    basis: str
    amount: Decimal
    state: str
    received: Decimal = Decimal(0)


class PaymentMachine(RuleBasedStateMachine):
    def __init__(self, backends: Any, backend: str) -> None:
        super().__init__()
        self.backends = backends
        self.backend = backend
        self.db: Database | None = None
        self.clock = ManualClock(PUBLISHED_AT)
        self.origin = Origin(request_id="property-test", client_addr="127.0.0.1")
        self.actors: dict[str, Actor] = {}
        self.project_id = 0
        self.project_state = ""
        self.previous_state: str | None = None
        self.project_total = Decimal(0)
        #: the project's recoveries as the model sees them, by id (issue 17)
        self.recoveries: dict[int, MRecovery] = {}
        self.contracts: list[MContract] = []
        self.acceptances: dict[int, MAcceptance] = {}
        self.payments: dict[int, MPayment] = {}
        self.vouchers = 0
        self.refusals: list[tuple[str, str, str]] = []
        self.violations: list[str] = []

    # --- set-up -----------------------------------------------------------------------------

    @initialize()
    def seed_003_selected(self) -> None:
        self.db = Database(self.backends.fresh(self.backend))
        for name, role in ROLES.items():
            region = CITY if role in ("inspector", "supervisor") else COUNTY
            code = {CONTRACTORS[0]: CODE_A, CONTRACTORS[1]: CODE_B}.get(name)
            make_user(self.db, name, role, region, contractor=code)
            actor = actor_by_username(self.db, name)
            assert actor is not None
            self.actors[name] = actor
        commerce = self.actors[COMMERCE[0]]
        pid = projects.create_project(self.db, commerce, self.origin, load_plan(example("003"))[0])
        filed = projects.fire_event(self.db, commerce, self.origin, pid, "file", {}, now=self.clock.now())
        for source in filed.funding:  # every source arrived (seed 003 §5(1)4): the funds gate never binds here
            allocations.record(self.db, self.actors[FINANCE[0]], self.origin, pid,
                               {"doc_no": "X财外指〔2024〕1号", "source": source.source, "amount": source.amount,
                                "arrived_on": self.clock.now().date()}, self.clock.now())
        tender = {**TENDER, "announced_on": date.fromisoformat(TENDER["announced_on"])}
        projects.fire_event(self.db, commerce, self.origin, pid, "open_tender", tender, now=self.clock.now())
        project = ProjectOut().dump(projects.get_project(self.db, commerce, pid))  # as a client reads it
        lines = {line["id"]: Decimal(line["amount"]) for line in project["lines"]}
        for positions, amount, lot, code, name, contractor in (
                ([1, 2], "6500000.00", "标段一", CODE_A, NAME_A, CONTRACTORS[0]),
                ([3, 4, 5], "3500000.00", "标段二", CODE_B, NAME_B, CONTRACTORS[1])):
            body = ContractIn().load(Flow.contract_body(project, positions, amount, lot=lot, code=code, name=name))
            cid = contracts.sign_contract(self.db, commerce, self.origin, pid, body)
            self.contracts.append(MContract(cid, Decimal(amount), {i: lines[i] for i in body["line_ids"]},
                                            contractor))
        view = ProjectOut().dump(projects.fire_event(self.db, commerce, self.origin, pid, "select_contractor", {},
                                                     now=self.clock.now()))
        assert view["state"] == "contractor_selected"
        self.project_id, self.project_state = pid, view["state"]
        self.project_total = Decimal(view["total"])
        STATS["runs"] += 1

    def database(self) -> Database:
        assert self.db is not None
        return self.db

    def teardown(self) -> None:
        if self.db is not None:
            self.db.dispose()

    # --- the model ----------------------------------------------------------------------------

    def contract(self, cid: int) -> MContract:
        return next(c for c in self.contracts if c.id == cid)

    def committed(self, cid: int, exclude: int | None = None, kind: str | None = None) -> Decimal:
        return sum((p.amount for p in self.payments.values()
                    if p.contract_id == cid and p.id != exclude and p.state in COMMITTED
                    and (kind is None or p.kind == kind)), Decimal(0))

    def accepted_elsewhere(self, a: MAcceptance) -> set[int]:
        """The contract's lines other standing acceptances passed (issue 17: a line is accepted once)."""
        return {line for x in self.acceptances.values()
                if x.contract_id == a.contract_id and x.id != a.id and x.state in STANDING
                for line, (result, _) in x.verdicts.items() if result == "pass"}

    def scope(self, a: MAcceptance) -> list[int]:
        wanted = list(a.line_ids) if a.kind == "stage" and a.line_ids else sorted(self.contract(a.contract_id).lines)
        elsewhere = self.accepted_elsewhere(a)
        return [line for line in wanted if line not in elsewhere]

    def accepted_approved(self, cid: int) -> Decimal | None:
        """Once the contract's final acceptance is approved: what its approved acceptances accepted."""
        final = self.final_acceptance(cid)
        if final is None or final.state != "approved":
            return None
        return sum((x.accepted_total for x in self.acceptances.values()
                    if x.contract_id == cid and x.state == "approved"), Decimal(0))

    def final_acceptance(self, cid: int) -> MAcceptance | None:
        return next((a for a in self.acceptances.values() if a.contract_id == cid and a.kind == "final"), None)

    def relied_on(self, payment: MPayment) -> MAcceptance | None:
        """The acceptance a payment relies on: its stage acceptance, or the contract's final one."""
        if payment.kind == "stage":
            return self.acceptances.get(payment.acceptance_id) if payment.acceptance_id else None
        if payment.kind == "final":
            return self.final_acceptance(payment.contract_id)
        return None

    def limit(self, cid: int, kind: str, acceptance_id: int | None) -> Decimal:
        """The most the amount gates would let through now (ignoring state gates)."""
        c = self.contract(cid)
        room = c.amount - self.committed(cid)
        if kind == "advance":
            return min(room, (ADVANCE_SHARE * c.amount).quantize(FEN) - self.committed(cid, kind="advance"))
        if kind == "stage":
            a = self.acceptances.get(acceptance_id) if acceptance_id else None
            accepted = a.accepted_total if a else Decimal(0)
            return min(room, (STAGE_SHARE * c.amount).quantize(FEN), accepted)
        allowed = self.accepted_approved(cid)
        return room if allowed is None else min(room, allowed - self.committed(cid))

    def gate_problems(self, kind: str, amount: Decimal, cid: int, acceptance_id: int | None,
                      exclude: int | None = None) -> list[str]:
        """SPEC §5.3's gates, as the model reads them; empty when the payment may move."""
        problems = []
        if self.fraud_open():
            problems.append("fraud_recovery_open")
        if self.project_state in INACTIVE:
            problems.append("project_not_active")
        elif self.project_state not in (("contractor_selected", "staged_acceptance") if kind == "advance"
                                        else ("staged_acceptance", "final_audit")):
            problems.append("project_stage")
        if amount <= 0:
            problems.append("amount_not_positive")
        c = self.contract(cid)
        if kind == "advance" and (self.committed(cid, exclude, "advance") + amount
                                  > (ADVANCE_SHARE * c.amount).quantize(FEN)):
            problems.append("advance_above_cap")
        if kind == "stage":
            a = self.acceptances.get(acceptance_id) if acceptance_id else None
            if a is None or a.contract_id != cid or a.kind != "stage" or a.state != "approved":
                problems.append("stage_acceptance_not_approved")
            else:
                if any(p.acceptance_id == a.id and p.id != exclude and p.state not in ("rejected", "cancelled")
                       for p in self.payments.values()):
                    problems.append("acceptance_already_paid")
                if amount > (STAGE_SHARE * c.amount).quantize(FEN):
                    problems.append("stage_above_share")
                if amount > a.accepted_total:
                    problems.append("above_accepted_amount")
        if kind == "final":
            final = self.final_acceptance(cid)
            if final is None or final.state != "approved":
                problems.append("final_acceptance_missing")
            if amount > c.amount - self.committed(cid, exclude):
                problems.append("final_above_remaining")
        if self.committed(cid, exclude) + amount > c.amount:
            problems.append("contract_exceeded")
        allowed = self.accepted_approved(cid)
        if allowed is not None and self.committed(cid, exclude) + amount > allowed:
            problems.append("above_accepted_amount")
        if sum((x.amount for x in self.contracts), Decimal(0)) > self.project_total:
            problems.append("contracts_over_total")
        return problems

    def sees_contract(self, actor: Actor, cid: int) -> bool:
        return actor.role != "contractor" or self.contract(cid).contractor == actor.username

    def step_problems(self, actor: Actor, payment: MPayment, event: str) -> list[str]:
        if not self.sees_contract(actor, payment.contract_id):
            return ["not_found"]
        if actor.role not in STEP_ROLES[event]:
            return ["role_not_allowed"]
        if payment.state not in STEP_SOURCE[event]:
            return ["wrong_state"]
        problems = []
        if event in GATED:
            problems += self.gate_problems(payment.kind, payment.amount, payment.contract_id, payment.acceptance_id,
                                           exclude=payment.id)
        if event != "cancel" and actor.id in payment.steps.values():
            problems.append("same_user_two_steps")
        if event in ("verify", "approve"):
            relied = self.relied_on(payment)
            if relied is not None and relied.verdict_by == actor.id:
                problems.append("verdict_recorder")
        if event == "cancel" and payment.requested_by != actor.id:
            problems.append("not_the_requester")
        return problems

    # --- calling the services -------------------------------------------------------------------

    def audit_count(self) -> int:
        """The entries that record changes: a denied access is logged too (SPEC §6), by the service that
        refused it, and is not a change."""
        assert self.db is not None
        with self.db.reading() as tx:
            return tx.session.scalar(select(func.count()).select_from(AuditEntry)
                                     .where(AuditEntry.action != "access.denied")) or 0

    def attempt(self, what: str, problems: list[str], call: Callable[[], Any], entries: int = 1) -> Any:
        """Run a service call. ``problems`` is the model's prediction: empty when it must be allowed.

        A refusal must be a ServiceError that writes no audit entry; a success writes ``entries``.
        """
        before = self.audit_count()
        try:
            result = call()
        except ServiceError as exc:
            unmet = [u.code for u in getattr(exc, "unmet", [])]
            why = unmet or getattr(exc, "errors", None) or type(exc).__name__
            self.refusals.append((what, type(exc).__name__, exc.detail))
            STATS[f"refused {' '.join(what.split()[:2])}: {why}"] += 1
            assert self.audit_count() == before, f"{what}: refused ({exc.detail}) but the audit log grew"
            assert problems, (
                f"{what}: the model expected this to be allowed, the service refused it: "
                f"{type(exc).__name__} {exc.detail} {why}")
            return None
        STATS[f"done {' '.join(what.split()[:2])}"] += 1
        assert not problems, (
            f"{what}: the service allowed it, the model expected a refusal for {problems}")
        assert self.audit_count() == before + entries, f"{what}: expected {entries} new audit entries"
        return result

    # --- payments ---------------------------------------------------------------------------

    def _requester(self, who: str, c: MContract) -> str:
        return {"contractor": c.contractor, "other-contractor": next(x for x in CONTRACTORS if x != c.contractor),
                "commerce-1": COMMERCE[0], "commerce-2": COMMERCE[1], "finance": FINANCE[0],
                "leader": LEADER}[who]

    def _acceptance_for(self, kind: str, cid: int, acc: str, pick: int) -> int | None:
        if acc == "missing":
            return MISSING_ACCEPTANCE
        if acc == "other":
            ids = sorted(self.acceptances)
            return ids[pick % len(ids)] if ids else None
        if acc == "own" and kind == "stage":
            return next((a.id for a in self.acceptances.values()
                         if a.contract_id == cid and a.kind == "stage"), None)
        if acc == "own" and kind == "final":
            final = self.final_acceptance(cid)
            return final.id if final else None
        return None

    @rule(contract=st.integers(0, 1), kind=st.sampled_from(["advance", "stage", "final"]),
          who=st.sampled_from(["contractor", "commerce-1", "commerce-2", "other-contractor", "finance", "leader"]),
          acc=st.sampled_from(["own", "none", "other", "missing"]),
          mode=st.sampled_from(["limit", "over", "below", "zero", "random"]), pick=st.integers(0, 1000))
    def request_any_payment(self, contract: int, kind: str, who: str, acc: str, mode: str, pick: int) -> None:
        """A payment request by anyone, naming any acceptance, for any amount."""
        self.request_payment(contract, kind, who, acc, mode, pick)

    @rule(contract=st.integers(0, 1), kind=st.sampled_from(["advance", "stage", "final"]),
          who=st.sampled_from(["contractor", "commerce-1", "commerce-2"]),
          mode=st.sampled_from(["limit", "limit", "over", "below"]), pick=st.integers(0, 1000))
    def request_payment_at_the_limit(self, contract: int, kind: str, who: str, mode: str, pick: int) -> None:
        """A requester asks for the most the gates allow, a fen more, or less."""
        self.request_payment(contract, kind, who, "own", mode, pick)

    @rule(contract=st.integers(0, 1), kind=st.sampled_from(["advance", "stage", "final"]),
          who=st.sampled_from(["contractor", "commerce-1", "commerce-2"]),
          mode=st.sampled_from(["limit", "below"]), pick=st.integers(0, 1000))
    def request_payment_within_the_limit(self, contract: int, kind: str, who: str, mode: str, pick: int) -> None:
        """A requester asks for the most the gates allow, or less."""
        self.request_payment(contract, kind, who, "own", mode, pick)

    @precondition(lambda self: any(a.kind == "final" and a.state == "approved" for a in self.acceptances.values()))
    @rule(contract=st.integers(0, 1), who=st.sampled_from(["contractor", "commerce-1", "commerce-2"]),
          acc=st.sampled_from(["own", "none", "other", "missing"]), mode=st.sampled_from(["limit", "below"]),
          pick=st.integers(0, 1000))
    def request_final_payment(self, contract: int, who: str, acc: str, mode: str, pick: int) -> None:
        """Once a final acceptance is approved: a final payment naming its acceptance, none, another one
        or one that does not exist."""
        self.request_payment(contract, "final", who, acc, mode, pick)

    def request_payment(self, contract: int, kind: str, who: str, acc: str, mode: str, pick: int) -> None:
        db = self.database()
        c = self.contracts[contract]
        actor = self.actors[self._requester(who, c)]
        acceptance_id = self._acceptance_for(kind, c.id, acc, pick)
        limit = to_fen(self.limit(c.id, kind, acceptance_id))
        amount = fen({"limit": max(limit, 1), "over": max(limit, 0) + 1, "zero": 0,
                      "below": 1 + (max(limit, 1) - 1) * pick // 1000,
                      "random": 1 + (to_fen(c.amount) - 1) * pick // 1000}[mode])
        problems: list[str] = []
        if not self.sees_contract(actor, c.id):
            problems.append("not_found")
        if actor.role not in ("contractor", "commerce"):
            problems.append("role_not_allowed")
        if kind == "advance" and acceptance_id is not None:
            problems.append("advance_names_acceptance")
        if kind == "stage" and acceptance_id is None:
            problems.append("stage_names_no_acceptance")
        stored_acceptance = acceptance_id
        if kind == "final":
            # A final payment relies on its contract's final acceptance (SPEC §4, §5.3): it is found for
            # the payment, and naming another one — or one that does not exist — is refused.
            final = self.final_acceptance(c.id)
            stored_acceptance = final.id if final else None
            if acceptance_id not in (None, stored_acceptance):
                problems.append("final_names_another_acceptance")
        problems += self.gate_problems(kind, amount, c.id, stored_acceptance)
        data = {"kind": kind, "amount": amount, "acceptance_id": acceptance_id, "note": None}
        result = self.attempt(f"request {kind} {amount} on contract {c.id} by {actor.username} "
                              f"naming acceptance {acceptance_id}", problems,
                              lambda: payments.request_payment(db, actor, self.origin, c.id, data,
                                                               now=self.clock.now()))
        if result is None:
            return
        status, view = result[0], PaymentOut().dump(result[1])
        assert status == 201 and view["state"] == "requested"
        self.check_view_money(view)
        assert Decimal(view["amount"]) == amount and view["kind"] == kind
        assert view["acceptance_id"] == stored_acceptance
        self.payments[view["id"]] = MPayment(view["id"], c.id, kind, amount, stored_acceptance, actor.id,
                                             steps={"request": actor.id},
                                             trail=[("payment.request", None, "requested")])

    def fire_payment(self, payment: MPayment, event: str, username: str) -> None:
        db = self.database()
        actor = self.actors[username]
        problems = self.step_problems(actor, payment, event)
        self.vouchers += 1
        data: dict[str, Any] = {"note": f"{event} by {username}"}
        if event == "disburse":
            data.update(voucher_no=f"XP-PZ-{self.vouchers:05d}",
                        disbursed_on=self.clock.now().astimezone(SHANGHAI).date())
        project_state = self.project_state
        result = self.attempt(f"{event} payment {payment.id} ({payment.kind} {payment.amount}, {payment.state}) "
                              f"by {username}", problems,
                              lambda: payments.fire_event(db, actor, self.origin, payment.id, event, data,
                                                          now=self.clock.now()))
        if result is None:
            return
        status, view = result[0], PaymentOut().dump(result[1])
        assert status == 200
        self.check_view_money(view)
        before, after = payment.state, STEP_TARGET[event]
        assert view["state"] == after, (view["state"], after)
        payment.state = after
        payment.trail.append((f"payment.{event}", before, after))
        if event in GATED:
            payment.steps[event] = actor.id
        if event == "disburse" and project_state == "suspended":
            self.violations.append(f"payment {payment.id} disbursed while the project was suspended")

    def pick_payment(self, pick: int, states: tuple[str, ...] | None = None) -> MPayment | None:
        candidates = [p for _, p in sorted(self.payments.items()) if states is None or p.state in states]
        return candidates[pick % len(candidates)] if candidates else None

    @precondition(lambda self: bool(self.payments))
    @rule(pick=st.integers(0, 1000), event=st.sampled_from(list(STEP_TARGET)), who=st.sampled_from(USERNAMES))
    def any_payment_step(self, pick: int, event: str, who: str) -> None:
        """Any step of any payment by anyone: the wrong role, the wrong state, the same user twice."""
        payment = self.pick_payment(pick)
        assert payment is not None
        self.fire_payment(payment, event, who)

    @precondition(lambda self: any(p.state in IN_FLIGHT for p in self.payments.values()))
    @rule(pick=st.integers(0, 1000), who=st.integers(0, 1),
          how=st.sampled_from(["forward", "forward", "forward", "forward", "reject", "cancel"]))
    def next_payment_step(self, pick: int, who: int, how: str) -> None:
        """The step a payment in flight waits for, by a user of the right role (either of two)."""
        self.payment_step_of_the_right_role(pick, who, how)

    @precondition(lambda self: any(p.state in IN_FLIGHT for p in self.payments.values()))
    @rule(pick=st.integers(0, 1000), who=st.integers(0, 1))
    def move_a_payment_forward(self, pick: int, who: int) -> None:
        self.payment_step_of_the_right_role(pick, who, "forward")

    @precondition(lambda self: any(p.state in IN_FLIGHT for p in self.payments.values()))
    @rule(pick=st.integers(0, 1000), who=st.integers(0, 1))
    def move_another_payment_forward(self, pick: int, who: int) -> None:
        self.payment_step_of_the_right_role(pick, who, "forward")

    def payment_step_of_the_right_role(self, pick: int, who: int, how: str) -> None:
        payment = self.pick_payment(pick, IN_FLIGHT)
        assert payment is not None
        if how == "forward":
            event = {"requested": "verify", "verified": "approve", "approved": "disburse"}[payment.state]
            username = (COMMERCE if event == "verify" else FINANCE)[who]
        elif how == "reject":
            event, username = "reject", (COMMERCE + FINANCE)[who + 2 * (payment.state == "verified")]
        else:
            event = "cancel"
            username = next(n for n, a in self.actors.items() if a.id == payment.requested_by)
        self.fire_payment(payment, event, username)

    # --- acceptances ------------------------------------------------------------------------

    def apply_problems(self, actor: Actor, c: MContract, kind: str, stage: int,
                       line_ids: tuple[int, ...] | None = None) -> list[str]:
        problems = []
        if line_ids:
            accepted = {line for x in self.acceptances.values() if x.contract_id == c.id and x.state in STANDING
                        for line, (result, _) in x.verdicts.items() if result == "pass"}
            if kind == "final" or any(line in accepted for line in line_ids):
                problems.append("lines_to_accept")
        if not self.sees_contract(actor, c.id):
            problems.append("not_found")
        if actor.role not in ("contractor", "commerce"):
            problems.append("role_not_allowed")
        if self.project_state not in ("contractor_selected", "staged_acceptance"):
            problems.append("wrong_state")
        if kind == "stage" and stage != 1:
            problems.append("no_such_stage")
        if any(a.contract_id == c.id and a.kind == kind for a in self.acceptances.values()):
            problems.append("acceptance_exists")
        return problems

    def apply_acceptance(self, c: MContract, kind: str, username: str, stage: int = 1,
                         line_ids: tuple[int, ...] | None = None) -> MAcceptance | None:
        db = self.database()
        actor = self.actors[username]
        problems = self.apply_problems(actor, c, kind, stage, line_ids)
        starts = self.project_state == "contractor_selected"
        data = {"kind": kind, "stage": stage, "note": None, "document_ids": [], "line_ids": line_ids}
        aid = self.attempt(f"apply {kind} acceptance on contract {c.id} by {username}", problems,
                           lambda: acceptances.apply(db, actor, self.origin, c.id, data, self.clock.now()).id,
                           entries=2 if starts else 1)
        if aid is None:
            return None
        if starts:
            self.project_state = "staged_acceptance"
        self.acceptances[aid] = MAcceptance(aid, c.id, kind, stage if kind == "stage" else None,
                                            line_ids=tuple(sorted(set(line_ids))) if line_ids else None)
        return self.acceptances[aid]

    def verdicts(self, a: MAcceptance, shares: list[int], fail: bool, over: bool) -> list[dict[str, Any]]:
        """A verdict for every line the acceptance covers: accepted = share/1000 of the line (the line + 1 fen if
        ``over``), a reduction (核减) noted."""
        out = []
        lines = self.contract(a.contract_id).lines
        for i, line_id in enumerate(self.scope(a)):
            amount = lines[line_id]
            share = shares[i % len(shares)]
            accepted = fen(to_fen(amount) * share // 1000) + (FEN if over and i == 0 else 0)
            failed = fail and i == 0
            out.append({"line_id": line_id, "result": "fail" if failed else "pass",
                        "accepted_amount": Decimal(0) if failed else accepted, "note": "核减：按实际完成量核定"})
        return out

    def acceptance_problems(self, actor: Actor, a: MAcceptance, event: str, data: dict[str, Any]) -> list[str]:
        if not self.sees_contract(actor, a.contract_id):
            return ["not_found"]
        if actor.role not in ACC_ROLES[event]:
            return ["role_not_allowed"]
        if a.state not in ACC_SOURCE[event]:
            return ["wrong_state"]
        problems = []
        lines = self.contract(a.contract_id).lines
        if event in ("pass", "fail"):
            given = {v["line_id"]: v for v in data["verdicts"]}
            if set(given) != set(self.scope(a)) or any(v["accepted_amount"] > lines[i] for i, v in given.items()):
                problems.append("verdicts_incomplete")
            results = [v["result"] for v in data["verdicts"]]
            if event == "pass" and a.kind == "final" and "fail" in results:
                problems.append("line_failed")
            if event == "pass" and a.kind == "stage" and results and "pass" not in results:
                problems.append("no_line_passed")
            if event == "fail" and "fail" not in results:
                problems.append("no_line_failed")
        if event == "publish" and a.state == "passed":
            problems.append("finance_recheck_required")  # xx-2024, seed 003 §5(2)3①
        if event == "close_notice" and (a.notice_ends_at is None or self.clock.now() < a.notice_ends_at):
            problems.append("notice_not_ended")
        if event == "approve" and actor.id == a.verdict_by:
            problems.append("same_actor_as_verdict")
        if self.project_state in INACTIVE:
            problems.append("project_not_active")
        return problems

    def acceptance_event(self, a: MAcceptance, event: str, username: str, *, shares: list[int] | None = None,
                         over: bool = False, early: bool = False) -> bool:
        db = self.database()
        actor = self.actors[username]
        data: dict[str, Any] = {"note": f"{event} by {username}"}
        if event in ("pass", "fail"):
            data["verdicts"] = self.verdicts(a, shares or [1000], event == "fail", over)
        if event == "rectify":
            data["deadline"] = self.clock.now().astimezone(SHANGHAI).date() + timedelta(days=30)
        if event == "close_notice" and not early and a.notice_ends_at is not None:
            self.clock.set(max(self.clock.now(), a.notice_ends_at + timedelta(hours=1)))
        problems = self.acceptance_problems(actor, a, event, data)
        view = self.attempt(f"{event} acceptance {a.id} ({a.kind}, {a.state}) by {username}", problems,
                            lambda: acceptances.fire_event(db, actor, self.origin, a.id, event, data,
                                                           self.clock.now()))
        if view is None:
            return False
        view = AcceptanceOut().dump(view)  # as a client reads it
        a.state, a.verdict_by = view["state"], view["verdict_by"]
        a.accepted_total = Decimal(view["accepted_total"])
        a.verdicts = {v["line_id"]: (v["result"], Decimal(v["accepted_amount"])) for v in view["verdicts"]}
        assert MONEY_TEXT.match(view["accepted_total"])
        if view["notice"] is not None:
            a.notice_ends_at = datetime.fromisoformat(view["notice"]["ends_at"])
        return True

    @rule(contract=st.integers(0, 1), kind=st.sampled_from(["stage", "final"]),
          who=st.sampled_from(["contractor", "contractor", "commerce-1", "other-contractor", "finance"]),
          stage=st.sampled_from([1, 1, 1, 2]), named=st.sampled_from(["none", "first", "first", "all"]))
    def apply_for_acceptance(self, contract: int, kind: str, who: str, stage: int, named: str) -> None:
        c = self.contracts[contract]
        first = sorted(c.lines)[:1]
        line_ids = {"none": None, "first": tuple(first), "all": tuple(sorted(c.lines))}[named]
        self.apply_acceptance(c, kind, self._requester(who, c), stage, line_ids)

    @precondition(lambda self: bool(self.acceptances))
    @rule(pick=st.integers(0, 1000), who=st.integers(0, 1),
          how=st.sampled_from(["next", "next", "next", "fail", "early", "wrong_role"]),
          shares=st.lists(st.integers(0, 1000), min_size=1, max_size=3), over=st.booleans())
    def acceptance_step(self, pick: int, who: int, how: str, shares: list[int], over: bool) -> None:
        """One step of one acceptance: the next one, a failed review, an early close or the wrong role."""
        a = [x for _, x in sorted(self.acceptances.items())][pick % len(self.acceptances)]
        event = "fail" if how == "fail" else NEXT_EVENT[a.state]
        username = self.acceptance_actor(a, event, who)
        if how == "wrong_role":
            username = {"commerce": LEADER, "leader": COMMERCE[who], "contractor": FINANCE[who],
                        "finance": COMMERCE[who]}[ROLES[username]]
        self.acceptance_event(a, event, username, shares=shares, over=over and how != "fail",
                              early=how == "early")

    def acceptance_actor(self, a: MAcceptance, event: str, who: int) -> str:
        if event == "approve":
            return LEADER
        if event == "reapply":
            return self.contract(a.contract_id).contractor
        if event == "finance_recheck":
            return FINANCE[who]
        return COMMERCE[who]

    @rule(contract=st.integers(0, 1), kind=st.sampled_from(["stage", "final"]), who=st.integers(0, 1),
          outcome=st.sampled_from(["approve", "approve", "approve", "fail", "in_notice"]),
          shares=st.lists(st.integers(0, 1000), min_size=1, max_size=3))
    def run_acceptance(self, contract: int, kind: str, who: int, outcome: str, shares: list[int]) -> None:
        """Apply (if need be) → start_review → pass → publish → clock past the notice → close → approve;
        or fail it at review; or stop while the notice runs."""
        self.acceptance_run(contract, kind, who, outcome, shares)

    @rule(contract=st.integers(0, 1), kind=st.sampled_from(["stage", "final"]), who=st.integers(0, 1),
          shares=st.lists(st.integers(0, 1000), min_size=1, max_size=3))
    def run_acceptance_to_approval(self, contract: int, kind: str, who: int, shares: list[int]) -> None:
        self.acceptance_run(contract, kind, who, "approve", shares)

    def acceptance_run(self, contract: int, kind: str, who: int, outcome: str, shares: list[int]) -> None:
        c = self.contracts[contract]
        a = next((x for x in self.acceptances.values() if x.contract_id == c.id and x.kind == kind), None)
        if a is None:
            a = self.apply_acceptance(c, kind, c.contractor)
            if a is None:
                return
        for _ in range(10):
            if a.state == "approved" or (outcome == "in_notice" and a.state == "in_notice"):
                return
            event = "fail" if outcome == "fail" and a.state == "under_review" else NEXT_EVENT[a.state]
            if not self.acceptance_event(a, event, self.acceptance_actor(a, event, who), shares=shares):
                return
            if event == "fail":
                return

    # --- the project --------------------------------------------------------------------------

    def project_problems(self, actor: Actor, event: str, data: dict[str, Any]) -> list[str]:
        roles = {"suspend": "inspector", "resume": "inspector", "request_final_audit": "commerce",
                 "pass_audit": "supervisor", "fail_audit": "supervisor", "settle_clawback": "finance"}
        sources = {"suspend": ("plan_drafted", "filed", "tendered", "contractor_selected", "staged_acceptance",
                               "final_audit", "clawback"),
                   "resume": ("suspended",), "request_final_audit": ("staged_acceptance",),
                   "pass_audit": ("final_audit",), "fail_audit": ("final_audit",), "settle_clawback": ("clawback",)}
        if actor.role != roles[event]:
            return ["role_not_allowed"]
        if self.project_state not in sources[event]:
            return ["wrong_state"]
        problems = []
        in_flight = any(p.state in IN_FLIGHT for p in self.payments.values())
        disbursed = sum((p.amount for p in self.payments.values() if p.state == "disbursed"), Decimal(0))
        if event == "request_final_audit":
            for c in self.contracts:
                final = self.final_acceptance(c.id)
                if final is None or final.state != "approved":
                    problems.append("final_acceptance_missing")
        if event in ("pass_audit", "fail_audit") and in_flight:
            problems.append("payment_in_flight")
        if event in ("pass_audit", "settle_clawback") and self.outstanding() > 0:
            problems.append("recovery_outstanding")
        if event == "fail_audit" and not problems and data["amount"] > 0:  # the recovery it orders, checked then
            problems += self.order_problems("failed_evaluation", data["amount"], disbursed)
        return problems

    def project_event(self, event: str, username: str, data: dict[str, Any]) -> None:
        db = self.database()
        actor = self.actors[username]
        problems = self.project_problems(actor, event, data)
        before = self.project_state
        orders = event == "fail_audit" and data["amount"] > 0
        view = self.attempt(f"{event} project by {username}", problems,
                            lambda: projects.fire_event(db, actor, self.origin, self.project_id, event, data,
                                                        now=self.clock.now()), entries=2 if orders else 1)
        if view is None:
            return
        view = ProjectOut().dump(view)  # as a client reads it
        for name in ("total", "contracted", "disbursed", "in_flight", "recovered", "surplus", "outstanding"):
            assert isinstance(view[name], str) and MONEY_TEXT.match(view[name]), (name, view[name])
        self.project_state = view["state"]
        if event == "suspend":
            self.previous_state = before
        if event == "resume":
            assert self.project_state == self.previous_state
            self.previous_state = None
        if orders:
            [ordered] = [r for r in view["recoveries"] if r["id"] not in self.recoveries]
            self.recoveries[ordered["id"]] = MRecovery("failed_evaluation", data["amount"], "ordered")

    @rule(right=st.sampled_from([True, True, True, False]), linger=st.sampled_from([False, False, False, True]),
          pick=st.integers(0, 1000), who=st.integers(0, 1))
    def suspend_or_resume(self, right: bool, linger: bool, pick: int, who: int) -> None:
        """The inspector (or, refused, commerce) resumes a suspended project, or suspends an active one:
        then, unless it lingers, money is tried while it is suspended and it is resumed."""
        inspector = INSPECTOR if right else COMMERCE[0]
        if self.project_state == "suspended":
            self.project_event("resume", inspector, {"note": "resume: 检查完毕"})
            return
        self.project_event("suspend", inspector, {"note": "suspend: 监督检查"})
        if linger or self.project_state != "suspended":
            return
        self.request_payment(pick % 2, ("advance", "stage", "final")[pick % 3], "contractor", "own", "below", pick)
        if any(p.state in IN_FLIGHT for p in self.payments.values()):
            self.payment_step_of_the_right_role(pick, who, "forward")
        self.project_event("resume", INSPECTOR, {"note": "resume: 检查完毕"})

    @precondition(lambda self: self.project_state == "suspended")
    @rule()
    def resume(self) -> None:
        self.project_event("resume", INSPECTOR, {"note": "resume: 检查完毕"})

    @precondition(lambda self: self.project_state in ("staged_acceptance", "final_audit", "clawback"))
    @rule(event=st.sampled_from(["next", "next", "next", "request_final_audit", "pass_audit", "fail_audit",
                                 "settle_clawback"]),
          right=st.sampled_from([True, True, True, False]), passed=st.booleans(), share=st.integers(0, 1100))
    def final_audit_and_clawback(self, event: str, right: bool, passed: bool, share: int) -> None:
        """The final audit requested, passed or failed, the clawback settled — usually the step the
        project's state waits for, sometimes another, by the right role or the inspector."""
        if event == "next":
            event = {"staged_acceptance": "request_final_audit",
                     "final_audit": "pass_audit" if passed else "fail_audit",
                     "clawback": "settle_clawback"}[self.project_state]
        roles = {"request_final_audit": COMMERCE[0], "pass_audit": SUPERVISOR, "fail_audit": SUPERVISOR,
                 "settle_clawback": FINANCE[0]}
        username = roles[event] if right else INSPECTOR
        data: dict[str, Any] = {"note": f"{event} (property test)"}
        if event in ("pass_audit", "fail_audit"):
            data["evaluator"] = "第三方评估机构"
            data["targets"] = [{"name": t["name"], "actual": str(t["target"])} for t in example("003")["targets"]]
            data["document_id"] = None
        if event == "fail_audit":
            disbursed = sum((p.amount for p in self.payments.values() if p.state == "disbursed"), Decimal(0))
            data["amount"] = fen(to_fen(disbursed) * share // 1000)
        self.project_event(event, username, data)

    # --- recoveries (issue 17) ------------------------------------------------------------------

    def disbursed(self) -> Decimal:
        return sum((p.amount for p in self.payments.values() if p.state == "disbursed"), Decimal(0))

    def ordered_total(self) -> Decimal:
        return sum((r.amount for r in self.recoveries.values() if r.state in RECOVERY_ORDERED), Decimal(0))

    def outstanding(self) -> Decimal:
        return sum((r.amount - r.received for r in self.recoveries.values() if r.state in RECOVERY_OWED),
                   Decimal(0))

    def fraud_open(self) -> bool:
        return any(r.basis == "fraud" and r.state in ("proposed", *RECOVERY_OWED) for r in self.recoveries.values())

    def order_problems(self, basis: str, amount: Decimal | None, disbursed: Decimal) -> list[str]:
        """What stops an order (or a confirmation) of ``amount`` (fraud: everything still recoverable)."""
        recoverable = disbursed - self.ordered_total()
        demand = recoverable if basis == "fraud" else amount
        problems = []
        if disbursed <= 0:
            problems.append("not_yet_disbursed")
        if demand is not None and demand > recoverable:
            problems.append("recovery_above_disbursed")
        if demand is not None and demand <= 0 and disbursed > 0:
            problems.append("recovery_amount_not_positive")
        return problems

    @precondition(lambda self: self.project_state not in ("", "plan_drafted", "filed", "tendered"))
    @rule(step=st.sampled_from(["order", "order", "receive", "receive", "decide"]),
          basis=st.sampled_from(["fraud", "default", "audit_finding"]),
          who=st.sampled_from([SUPERVISOR, FINANCE[0], INSPECTOR, CONTRACTORS[0]]), share=st.integers(0, 1100))
    def recovery_step(self, step: str, basis: str, who: str, share: int) -> None:
        """A recovery ordered (or proposed, or refused to a contractor) in whatever state the project is, a
        proposal confirmed or dismissed, or a receipt — of part, all, or more than is outstanding."""
        db, now = self.database(), self.clock.now()
        if step == "order":
            amount = None if basis == "fraud" else fen(to_fen(self.disbursed()) * share // 1000)
            problems = ["role_not_allowed"] if who == CONTRACTORS[0] else \
                self.order_problems(basis, amount, self.disbursed())
            data = {"basis": basis, "amount": amount, "reason": f"{basis} (property test)"}
            view = self.attempt(f"order recovery by {who}", problems,
                                lambda: recoveries.order(db, self.actors[who], self.origin, self.project_id, data, now))
            if view is not None:
                state = "proposed" if who == INSPECTOR else "ordered"
                assert view.state == state and view.amount == (amount if amount is not None else view.amount)
                self.recoveries[view.id] = MRecovery(basis, view.amount, state)
            return
        if step == "decide":
            rid = next((i for i, r in self.recoveries.items() if r.state == "proposed"), None)
            if rid is None:
                return
            r = self.recoveries[rid]
            confirm = share % 2 == 0
            problems = self.order_problems(r.basis, r.amount, self.disbursed()) if confirm else []
            event, data = ("confirm_order", {}) if confirm else ("dismiss", {"note": "查无实据"})
            view = self.attempt(f"{event} recovery {rid}", problems,
                                lambda: recoveries.fire_event(db, self.actors[SUPERVISOR], self.origin, rid, event,
                                                              data, now))
            if view is not None:
                r.state, r.amount = view.state, view.amount
            return
        rid = next((i for i, r in self.recoveries.items() if r.state in RECOVERY_OWED), None)
        if rid is None:
            return
        r = self.recoveries[rid]
        amount = fen(to_fen(r.amount - r.received) * share // 1000)
        problems = [*(["receipt_not_positive"] if amount <= 0 else []),
                    *(["receipt_above_outstanding"] if amount > r.amount - r.received else [])]
        data = {"amount": amount, "received_on": now.astimezone(SHANGHAI).date(), "voucher_no": f"SH-{rid}"}
        view = self.attempt(f"receipt on recovery {rid}", problems,
                            lambda: recoveries.fire_event(db, self.actors[FINANCE[0]], self.origin, rid,
                                                          "record_receipt", data, now))
        if view is not None:
            r.received += amount
            r.state = "settled" if r.received == r.amount else "part_received"
            assert (view.state, view.received) == (r.state, r.received)

    # --- invariants -------------------------------------------------------------------------

    def check_view_money(self, view: dict[str, Any]) -> None:
        assert isinstance(view["amount"], str) and MONEY_TEXT.match(view["amount"]), view["amount"]

    @invariant()
    def the_database_keeps_the_rules(self) -> None:
        if self.db is None:
            return
        STATS["checks"] += 1
        with self.db.reading() as tx:
            s = tx.session
            project = s.get(Project, self.project_id)
            assert project is not None
            rows = s.scalars(select(Payment).order_by(Payment.id)).all()
            contract_rows = s.scalars(select(Contract).order_by(Contract.id)).unique().all()
            acceptance_rows = {a.id: a for a in s.scalars(select(Acceptance)).unique()}
            roles = {u.id: u.role for u in s.scalars(select(User))}

            # money is Decimal wherever it is read through the ORM, integer fen underneath
            money = [project.total, *(p.amount for p in rows), *(c.amount for c in contract_rows),
                     *s.scalars(select(Verdict.accepted_amount)), *s.scalars(select(RecoveryOrder.amount)),
                     *s.scalars(select(RecoveryOrder.received)), *s.scalars(select(RecoveryReceipt.amount)),
                     *s.scalars(select(RecoveryShare.amount)),
                     *(x for x in s.scalars(select(BudgetLine.amount)) if x is not None)]
            for value in money:
                assert isinstance(value, Decimal) and not isinstance(value, float), repr(value)
                assert value == value.quantize(FEN), value
            for table, column in (("payments", "amount"), ("contracts", "amount"), ("projects", "total"),
                                  ("verdicts", "accepted_amount"), ("budget_lines", "amount"),
                                  ("recovery_orders", "amount"), ("recovery_receipts", "amount"),
                                  ("recoveries", "amount")):
                for (raw,) in s.execute(text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")):
                    assert type(raw) is int, f"{table}.{column} stored as {type(raw).__name__}: {raw!r}"

            # Σ contracts ≤ project total
            assert sum((c.amount for c in contract_rows), Decimal(0)) <= project.total
            for c in contract_rows:
                mine = [p for p in rows if p.contract_id == c.id]
                # Σ(disbursed + in flight) ≤ contract amount
                committed = sum((p.amount for p in mine if p.state in COMMITTED), Decimal(0))
                assert committed <= c.amount, f"contract {c.id}: {committed} committed > {c.amount}"
                # after the final acceptance no money moves beyond what the approved acceptances accepted:
                # Σ disbursed ≤ min(contract, accepted), unless more had left before that approval (an advance
                # above what a reduced acceptance accepted is a recovery to order, not a payment to refuse)
                approved = [a for a in acceptance_rows.values() if a.contract_id == c.id and a.state == "approved"]
                final_row = next((a for a in approved if a.kind == "final"), None)
                if final_row is not None:
                    accepted = sum((v.accepted_amount for a in approved for v in a.verdicts if v.result == "pass"),
                                   Decimal(0))
                    approved_at = s.scalar(select(func.max(AuditEntry.seq)).where(
                        AuditEntry.action == "acceptance.approve", AuditEntry.entity_type == "acceptance",
                        AuditEntry.entity_id == str(final_row.id)))
                    left = {int(e) for e in s.scalars(select(AuditEntry.entity_id).where(
                        AuditEntry.action == "payment.disburse", AuditEntry.seq < approved_at))}
                    disbursed = sum((p.amount for p in mine if p.state == "disbursed"), Decimal(0))
                    before = sum((p.amount for p in mine if p.state == "disbursed" and p.id in left), Decimal(0))
                    assert disbursed <= max(min(c.amount, accepted), before), (c.id, disbursed, accepted, before)
                # each line accepted once, within its budget
                lines_accepted = [v.line_id for a in acceptance_rows.values() if a.contract_id == c.id
                                  and a.state in STANDING for v in a.verdicts if v.result == "pass"]
                assert len(lines_accepted) == len(set(lines_accepted)), (c.id, lines_accepted)
                # advances (in flight + disbursed) ≤ 30 % of the contract
                advances = sum((p.amount for p in mine if p.kind == "advance" and p.state in COMMITTED), Decimal(0))
                assert advances <= ADVANCE_SHARE * c.amount, f"contract {c.id}: advances {advances} > 30 %"
                final = next((a for a in acceptance_rows.values() if a.contract_id == c.id and a.kind == "final"), None)
                for p in mine:
                    if p.state == "disbursed" and p.kind == "stage":
                        a = acceptance_rows.get(p.acceptance_id) if p.acceptance_id else None
                        assert a is not None and a.contract_id == c.id and a.kind == "stage" \
                            and a.state == "approved", f"stage payment {p.id} disbursed without its approved acceptance"
                    if p.state == "disbursed" and p.kind == "final":
                        assert final is not None and final.state == "approved", \
                            f"final payment {p.id} disbursed without the contract's approved final acceptance"
                    if p.kind == "final":
                        assert p.acceptance_id in (None, final.id if final else None), (
                            f"final payment {p.id} names acceptance {p.acceptance_id}, "
                            f"not its contract's final acceptance {final.id if final else None}")
                    # segregation of duties (SPEC §5.3)
                    done = [x for x in (p.requested_by, p.verified_by, p.approved_by, p.disbursed_by) if x is not None]
                    assert len(done) == len(set(done)), f"payment {p.id}: one user did two steps {done}"
                    assert p.verified_by is None or roles[p.verified_by] == "commerce"
                    assert p.approved_by is None or roles[p.approved_by] == "finance"
                    assert p.disbursed_by is None or roles[p.disbursed_by] == "finance"
                    relied = (acceptance_rows.get(p.acceptance_id) if p.kind == "stage" and p.acceptance_id
                              else final if p.kind == "final" else None)
                    if relied is not None and relied.verdict_by is not None:
                        assert relied.verdict_by not in (p.verified_by, p.approved_by), (
                            f"payment {p.id} verified/approved by {relied.verdict_by}, "
                            f"who recorded the verdict of acceptance {relied.id}")

            # recovered ≤ ordered ≤ disbursed; outstanding = ordered − received ≥ 0; every receipt shared out
            # among contracts that were paid at least as much (issue 17)
            disbursed = sum((p.amount for p in rows if p.state == "disbursed"), Decimal(0))
            orders = s.scalars(select(RecoveryOrder).where(RecoveryOrder.project_id == project.id)).all()
            ordered = [o for o in orders if o.state in RECOVERY_ORDERED]
            assert sum((o.amount for o in ordered), Decimal(0)) <= disbursed
            for o in orders:
                received = sum(s.scalars(select(RecoveryReceipt.amount).where(RecoveryReceipt.recovery_id == o.id)),
                               Decimal(0))
                assert received == o.received and Decimal(0) <= o.received <= o.amount, (o.id, received, o.amount)
                assert (o.state == "settled") == (o in ordered and o.received == o.amount), (o.id, o.state)
                assert (o.state in ("proposed", "dismissed")) <= (o.received == 0)
                assert o.amount == self.recoveries[o.id].amount and o.state == self.recoveries[o.id].state
            recovered = sum((o.received for o in orders), Decimal(0))
            by_contract: dict[int, Decimal] = {}
            for r in s.scalars(select(RecoveryShare).where(RecoveryShare.project_id == project.id)):
                by_contract[r.contract_id] = by_contract.get(r.contract_id, Decimal(0)) + r.amount
            assert sum(by_contract.values(), Decimal(0)) == recovered, (recovered, by_contract)
            for cid, amount in by_contract.items():
                paid = sum((p.amount for p in rows if p.contract_id == cid and p.state == "disbursed"), Decimal(0))
                assert 0 < amount <= paid, f"contract {cid}: recovered {amount} of {paid} disbursed"

            # an approved acceptance passed every line, had its notice end and a leader who is not its reviewer
            for a in acceptance_rows.values():
                if a.state == "approved":
                    assert a.approved_by is not None and roles[a.approved_by] == "leader"
                    assert a.approved_by != a.verdict_by
                    # a final acceptance passes every line it covers (none left, when its stages accepted them
                    # all); a stage passes with at least one line passed (issue 17)
                    if a.kind == "final":
                        assert all(v.result == "pass" for v in a.verdicts)
                    else:  # (or none, when other acceptances accepted all it named meanwhile)
                        assert not a.verdicts or any(v.result == "pass" for v in a.verdicts)
                    assert a.rechecked_by is not None and roles[a.rechecked_by] == "finance"
                    notice = s.scalars(select(Notice).where(Notice.acceptance_id == a.id)
                                       .order_by(Notice.id.desc())).first()
                    assert notice is not None and notice.closed_at is not None
                    assert notice.closed_at >= notice.ends_at

            # the model and the database agree (so every refused call changed nothing)
            assert project.state == self.project_state, (project.state, self.project_state)
            assert {p.id: p.state for p in rows} == {p.id: p.state for p in self.payments.values()}
            assert {a.id: a.state for a in acceptance_rows.values()} == {
                a.id: a.state for a in self.acceptances.values()}

            # one audit entry per payment state change, in order, and the project's state at each step
            entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
            for p in self.payments.values():
                trail = [(e.action, e.from_state, e.to_state) for e in entries
                         if e.entity_type == "payment" and e.entity_id == str(p.id)]
                changes = len(p.trail) - 1
                assert len(trail) == 1 + changes, f"payment {p.id}: {len(trail)} audit entries for {changes} changes"
                assert trail == p.trail, (p.id, trail, p.trail)
            state = None
            for e in entries:
                json.loads(e.data, parse_float=no_float)
                if e.entity_type == "project" and e.entity_id == str(self.project_id) and e.to_state:
                    state = e.to_state
                if e.entity_type == "payment" and e.action in ("payment.request", "payment.verify",
                                                               "payment.approve", "payment.disburse"):
                    assert state not in INACTIVE, f"{e.action} on payment {e.entity_id} while the project was {state}"
        assert not self.violations, self.violations
        report = audit.verify(self.db)
        assert report.ok, report


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_payment_gates_hold_under_random_steps(backends: Any, backend: str) -> None:
    backends.fresh(backend)  # builds the template once, or skips if the backend is not there
    # PostgreSQL runs fewer examples (each costs a CREATE DATABASE): the same rules, the row-lock paths.
    chosen = SETTINGS if backend == "sqlite" else settings(SETTINGS, max_examples=10)
    run_state_machine_as_test(lambda: PaymentMachine(backends, backend), settings=chosen)  # type: ignore[arg-type]
    print(dict(sorted(STATS.items())))
