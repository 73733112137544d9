"""Every effect of the three workflows, case by case, on transient rows (no database, no session).

A case builds the :class:`~disburse.services.engine.Step` an event would hand its effect — the real
transition spec, the entity and what the facts reader put beside it — runs the effect alone and checks
all it did: what it changed (paths on the step; no other column of the entity may change), the rows it
added, what the audit entry records (functions evaluated, as the engine does after the flush), how it
replaced the facts, and what it fired on another workflow. The completeness test fails when an effect
named by a transition has no case for that transition.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import inspect

from disburse.adapters.orm import (
    Acceptance,
    Amendment,
    Application,
    CallLine,
    Document,
    Evaluation,
    Notice,
    Objection,
    Payment,
    PaymentDocument,
    Project,
    RecoveryOrder,
    RecoveryReceipt,
    RecoveryShare,
    TenderRound,
    Verdict,
    VolumeReport,
    VoucherNumber,
)
from disburse.adapters.orm import Call as CallRow
from disburse.adapters.orm import Contract as ContractRow
from disburse.adapters.orm import FundingSource as FundingSourceRow
from disburse.adapters.orm import Target as TargetRow
from disburse.adapters.rulesets import Pinned
from disburse.domain.acceptance_guards import AcceptanceFacts, ObjectionFacts
from disburse.domain.amendment_guards import AmendmentFacts
from disburse.domain.application_guards import ApplicationFacts
from disburse.domain.contracts import Contract, Contractor, Schedule
from disburse.domain.ledger import EMPTY
from disburse.domain.payment_gates import OtherPayment, PaymentFacts
from disburse.domain.plan import FundingSource, Plan
from disburse.domain.project_guards import ProjectFacts
from disburse.domain.recovery_guards import RecoveryFacts
from disburse.domain.rules import RuleSet
from disburse.domain.volume_guards import VolumeFacts, VolumeRef
from disburse.domain.workflow import Workflow
from disburse.services import (
    acceptances,
    amendments,
    applications,
    payments,
    projects,
    recoveries,
    volume_reports,
)
from disburse.services.context import Actor, Origin
from disburse.services.engine import Step, Target
from disburse.services.workflows import LOADERS

EFFECTS: dict[str, Mapping[str, Callable[[Any], None]]] = {
    "project": projects.EFFECTS, "acceptance": acceptances.EFFECTS, "payment": payments.EFFECTS,
    "amendment": amendments.EFFECTS, "recovery": recoveries.EFFECTS, "application": applications.EFFECTS,
    "volume_report": volume_reports.EFFECTS}
WORKFLOWS: dict[str, Callable[[], Workflow[Any, Any]]] = LOADERS

ACTOR = Actor(id=9, username="demo-9", role="commerce", region_code="530325", region_path="/530000/530300/530325/")
NOW = datetime(2024, 6, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
EARLIER = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
TOTAL = Decimal("10000000.00")
RULES = RuleSet(id="test", version=1, title_zh="测试规则", title_en="Test rules", tags={}, notice_days=5,
                notice_working_days=False, notice_clause="曲政办发〔2018〕205号 五(五)2")
SHA = {1: "1" * 64, 2: "2" * 64}


def county_project(state: str = "contractor_selected", **columns: Any) -> Project:
    return Project(**{"id": 7, "region_code": "530325", "name": "测试县示范项目", "rule_set": "test", "total": TOTAL,
                      "state": state, **columns})


def step(workflow: str, trigger: str, entity: Any, facts: Any, *, project: Project | None = None,
         parents: dict[str, Any] | None = None, data: Mapping[str, Any] | None = None, before: str = "",
         after: str = "") -> Step[Any, Any]:
    """The step the engine hands the effects of ``trigger``: from its first source to its first destination
    unless told otherwise."""
    spec = WORKFLOWS[workflow]().transitions[trigger]
    return Step(ACTOR, Origin(), spec, Target(entity, project or county_project(), parents or {}), facts,
                dict(data or {}), NOW, before or spec.sources[0], after or spec.dests[0])


# --- what the effects look at -----------------------------------------------------------------------


def project_facts(**changes: Any) -> ProjectFacts:
    plan = Plan(name="测试县示范项目", region="530325", rule_set="test", total=TOTAL,
                funding=(FundingSource("中央财政资金", TOTAL),))
    return replace(ProjectFacts(plan=plan, rules=RULES, state="tendered", project_id=7), **changes)


def contract(amount: str) -> Contract:
    return Contract("标段", Decimal(amount), (), Contractor("某公司", "91530325MA6K00001L", {}),
                    Schedule(Decimal(0), (), Decimal(1)))


def acceptance_facts(**changes: Any) -> AcceptanceFacts:
    return replace(AcceptanceFacts(state="applied", actor_id=ACTOR.id, now=NOW, line_amounts={}, rules=RULES,
                                   project_id=7), **changes)


def signed(**steps: int) -> dict[str, frozenset[int]]:
    """Who did each step of a payment, none under a delegation."""
    return {step: frozenset({user}) for step, user in steps.items()}


def payment_facts(**changes: Any) -> PaymentFacts:
    return replace(PaymentFacts(
        kind="stage", amount=Decimal("400000.00"), contract_id=3, contract_amount=Decimal("1000000.00"),
        advance_share=Decimal("0.30"), stage_shares=(Decimal("0.40"),), advance_cap=Decimal("0.30"),
        advance_clause="", project_state="staged_acceptance", project_total=TOTAL,
        contracts_total=Decimal("1000000.00"), payment_id=41, actor_id=ACTOR.id), **changes)


def stage_payment(**columns: Any) -> Payment:
    """Payment 41: a stage payment on contract 3 relying on acceptance 21, requested by user 3."""
    return Payment(**{"id": 41, "contract_id": 3, "project_id": 7, "kind": "stage", "amount": Decimal("400000.00"),
                      "acceptance_id": 21, "state": "requested", "requested_by": 3, **columns})


def payment_moved_by(trigger: str) -> Callable[[], Step[Any, Any]]:
    """The step of ``trigger`` on payment 41, from the first state it leaves."""
    return lambda: step("payment", trigger, stage_payment(), payment_facts())


def round_row(number: int, outcome: str = "open") -> TenderRound:
    return TenderRound(id=number, project_id=7, round=number, method="open", packaging="whole",
                       announced_on=date(2024, 3, number), reference=None, outcome=outcome, failed_note=None)


def round_view(number: int, outcome: str = "open", failed_note: str | None = None,
               reference: str | None = None) -> dict[str, Any]:
    return {"round": number, "method": "open", "packaging": "whole", "announced_on": f"2024-03-0{number}",
            "reference": reference, "outcome": outcome, "failed_note": failed_note}


def stage_acceptance(**columns: Any) -> Acceptance:
    """Acceptance 31: the first stage of contract 3, on its first attempt."""
    return Acceptance(**{"id": 31, "contract_id": 3, "project_id": 7, "kind": "stage", "stage": 1, "attempt": 1,
                         **columns})


def notice(notice_id: int, *objections: tuple[int, str | None]) -> Notice:
    """A notice published earlier, with its objections (id, decision)."""
    return Notice(id=notice_id, acceptance_id=31, published_at=EARLIER, ends_at=datetime(2024, 5, 12, 16, tzinfo=UTC),
                  days=5, working_days=False,
                  objections=[Objection(id=i, notice_id=notice_id, contact="138", content="异议", decision=d)
                              for i, d in objections])


def objection_step(after: str, decision: str, *pending: int) -> Step[Any, Any]:
    """Deciding objection 1 of the latest notice, with the objections ``pending`` still undecided beside it."""
    latest = notice(21, (1, None), *((i, None) for i in pending))
    entity = stage_acceptance(state="objected", verdict_by=5, notices=[latest])
    ends = NOW - timedelta(days=1) if after == "notice_clear" else NOW + timedelta(days=1)
    facts = acceptance_facts(state="objected", notice_ends_at=ends,
                             objections=tuple(ObjectionFacts(i, None) for i in (1, *pending)))
    return step("acceptance", "resolve_objection", entity, facts, after=after,
                data={"objection_id": 1, "decision": decision, "note": "经核实"})


def published_in_working_days(now: datetime) -> Step[Any, Any]:
    """Publishing at ``now`` under a rule set that counts working days."""
    published = step("acceptance", "publish", stage_acceptance(state="passed"),
                     acceptance_facts(state="passed", rules=replace(RULES, notice_working_days=True)))
    published.now = now
    return published


# --- the table ----------------------------------------------------------------------------------------

ITS_PROJECT = "the step's own project"


@dataclass(frozen=True)
class Then:
    #: paths on the step (``entity.notices[-1].closed_at``, ``target.parents['documents'][*].acceptance_id``)
    #: and their values afterwards; an entity column not listed here must not change
    changed: Mapping[str, Any] = field(default_factory=dict)
    #: the rows put in ``step.add``, in order: their class and every column they set
    added: Sequence[tuple[type, Mapping[str, Any]]] = ()
    #: the audit entry's data, functions evaluated
    record: Mapping[str, Any] = field(default_factory=dict)
    #: the facts' fields the effect replaced; None: it left the facts as they were
    facts: Mapping[str, Any] | None = None
    #: the events fired on other workflows: (subject, target, event, data)
    cascades: Sequence[tuple[Any, str, str, Mapping[str, Any]]] = ()


def case(workflow: str, effect: str, why: str, given: Callable[[], Step[Any, Any]], marks: Any = (),
         **then: Any) -> Any:
    return pytest.param(workflow, effect, given, Then(**then), id=f"{workflow} {effect}: {why}", marks=marks)


PAYMENT_CASES = [
    case("payment", "record_request", "the request is signed by who asked and the facts learn it",
         lambda: step("payment", "request", stage_payment(requested_by=None), payment_facts()),
         changed={"entity.requested_by": 9},
         record={"contract_id": 3, "kind": "stage", "amount": "400000.00", "acceptance_id": 21},
         facts={"steps": signed(request=9)}),
    *(case("payment", "record_payment", f"{trigger} records the payment's amount, kind and contract",
           payment_moved_by(trigger),
           record={"amount": "400000.00", "kind": "stage", "contract_id": 3})
      for trigger in ("verify", "approve", "disburse", "reject", "cancel")),
    case("payment", "sign_step", "verify is signed by the verifier, beside the request",
         lambda: step("payment", "verify", stage_payment(), payment_facts(steps=signed(request=3))),
         changed={"entity.verified_by": 9}, facts={"steps": signed(request=3, verify=9)}),
    case("payment", "sign_step", "approve is signed by the approver, beside the earlier steps",
         lambda: step("payment", "approve", stage_payment(verified_by=4),
                      payment_facts(steps=signed(request=3, verify=4))),
         changed={"entity.approved_by": 9}, facts={"steps": signed(request=3, verify=4, approve=9)}),
    case("payment", "sign_step", "disburse is signed by who disbursed",
         lambda: step("payment", "disburse", stage_payment(verified_by=4, approved_by=5),
                      payment_facts(steps=signed(request=3, verify=4, approve=5))),
         changed={"entity.disbursed_by": 9},
         facts={"steps": signed(request=3, verify=4, approve=5, disburse=9)}),
    case("payment", "sign_step", "reject is signed by who rejected",
         lambda: step("payment", "reject", stage_payment(), payment_facts(steps=signed(request=3)), before="verified"),
         changed={"entity.rejected_by": 9}, facts={"steps": signed(request=3, reject=9)}),
    case("payment", "attach_documents", "the request links each document it names once and records their hashes",
         lambda: step("payment", "request", stage_payment(), payment_facts(project_documents=SHA),
                      data={"document_ids": [2, 1, 2]}),
         added=[(PaymentDocument, {"payment_id": 41, "document_id": 2}),
                (PaymentDocument, {"payment_id": 41, "document_id": 1})],
         record={"documents": [{"id": 2, "sha256": SHA[2]}, {"id": 1, "sha256": SHA[1]}]}),
    case("payment", "attach_documents", "a request without documents links none and records none",
         lambda: step("payment", "request", stage_payment(), payment_facts())),
    case("payment", "record_voucher", "the bank's reference is kept, trimmed, and recorded beside the voucher",
         lambda: step("payment", "disburse", stage_payment(), payment_facts(),
                      data={"voucher_no": "ZF-2024-002", "disbursed_on": date(2024, 6, 3),
                            "bank_reference": " NX20240603000123 "}),
         changed={"entity.voucher_no": "ZF-2024-002", "entity.disbursed_on": date(2024, 6, 3),
                  "entity.bank_reference": "NX20240603000123"},
         added=[(VoucherNumber, {"region_code": "530325", "voucher_key": "ZF-2024-002", "payment_id": 41})],
         record={"voucher_no": "ZF-2024-002", "disbursed_on": "2024-06-03", "bank_reference": "NX20240603000123"}),
    case("payment", "record_voucher", "the voucher is kept as written and taken for the county by its key",
         lambda: step("payment", "disburse", stage_payment(), payment_facts(),
                      data={"voucher_no": "ｚｆ-2024 001", "disbursed_on": date(2024, 6, 3)}),
         changed={"entity.voucher_no": "ｚｆ-2024 001", "entity.disbursed_on": date(2024, 6, 3)},
         added=[(VoucherNumber, {"region_code": "530325", "voucher_key": "ZF-2024001", "payment_id": 41})],
         record={"voucher_no": "ｚｆ-2024 001", "disbursed_on": "2024-06-03"}),
]

ACCEPTANCE_CASES = [
    case("acceptance", "start_project_acceptance", "the first application starts the project's acceptance",
         lambda: step("acceptance", "apply", stage_acceptance(), acceptance_facts(),
                      project=county_project("contractor_selected")),
         cascades=[(projects.SUBJECT, ITS_PROJECT, "start_acceptance",
                    {"note": "first acceptance application on contract 3"})]),
    case("acceptance", "start_project_acceptance", "a later application leaves the project in staged acceptance",
         lambda: step("acceptance", "apply", stage_acceptance(), acceptance_facts(),
                      project=county_project("staged_acceptance"))),
    case("acceptance", "record_application", "who applied is kept and the materials are attached",
         lambda: step("acceptance", "apply", stage_acceptance(), acceptance_facts(),
                      parents={"documents": [Document(id=i, project_id=7, sha256=SHA[i]) for i in (1, 2)]}),
         changed={"entity.applied_by": 9, "target.parents['documents'][*].acceptance_id": [31, 31]},
         record={"contract_id": 3, "kind": "stage", "stage": 1, "line_ids": [],
                 "documents": [{"id": 1, "sha256": SHA[1]}, {"id": 2, "sha256": SHA[2]}]}),
    case("acceptance", "record_application", "a stage keeps the lines it names and records its scope",
         lambda: step("acceptance", "apply", stage_acceptance(), acceptance_facts(scope=(11,)),
                      parents={"documents": []}, data={"line_ids": [11, 11]}),
         changed={"entity.applied_by": 9, "entity.line_ids": [11]},
         record={"contract_id": 3, "kind": "stage", "stage": 1, "line_ids": [11], "documents": []}),
    case("acceptance", "record_application", "a final application without materials records none",
         lambda: step("acceptance", "apply", stage_acceptance(kind="final", stage=None), acceptance_facts(),
                      parents={"documents": []}),
         changed={"entity.applied_by": 9},
         record={"contract_id": 3, "kind": "final", "stage": None, "line_ids": [], "documents": []}),
    case("acceptance", "record_recheck", "finance's re-check is kept with its note and document",
         lambda: step("acceptance", "finance_recheck",
                      stage_acceptance(state="passed", verdicts=[
                          Verdict(line_id=11, result="pass", accepted_amount=Decimal("600000.00")),
                          Verdict(line_id=12, result="fail", accepted_amount=Decimal("0.00"))]),
                      acceptance_facts(state="passed"), data={"note": "经复核属实", "document_id": 4}),
         changed={"entity.rechecked_by": 9, "entity.rechecked_at": NOW, "entity.recheck_note": "经复核属实",
                  "entity.recheck_document_id": 4},
         record={"note": "经复核属实", "document_id": 4, "accepted_total": "600000.00"}),
    case("acceptance", "clear_recheck", "returning to review clears the re-check and the verdicts",
         lambda: step("acceptance", "return_to_review",
                      stage_acceptance(state="rechecked", rechecked_by=4, rechecked_at=EARLIER, recheck_note="属实",
                                       verdict_by=5, verdict_at=EARLIER, verdicts=[
                                           Verdict(line_id=11, result="pass", accepted_amount=Decimal("1.00"))]),
                      acceptance_facts(state="rechecked"), data={"note": "核定金额有误"}),
         changed={"entity.rechecked_by": None, "entity.rechecked_at": None, "entity.recheck_note": None,
                  "entity.verdicts": [], "entity.verdict_by": None, "entity.verdict_at": None},
         record={"note": "核定金额有误"}),
    case("acceptance", "record_verdicts", "pass keeps a verdict per line with who gave them and when",
         lambda: step("acceptance", "pass", stage_acceptance(state="under_review"), acceptance_facts(),
                      data={"verdicts": [
                          {"line_id": 11, "result": "pass", "accepted_amount": Decimal("600000.00"), "note": "按期"},
                          {"line_id": 12, "result": "pass", "accepted_amount": Decimal("400000.00")}]}),
         changed={"entity.verdicts[*].line_id": [11, 12], "entity.verdicts[*].result": ["pass", "pass"],
                  "entity.verdicts[*].accepted_amount": [Decimal("600000.00"), Decimal("400000.00")],
                  "entity.verdicts[*].note": ["按期", None], "entity.verdict_by": 9, "entity.verdict_at": NOW},
         record={"verdicts": [{"line_id": 11, "result": "pass", "accepted_amount": "600000.00"},
                              {"line_id": 12, "result": "pass", "accepted_amount": "400000.00"}]}),
    case("acceptance", "record_verdicts", "fail keeps the failed line and its accepted amount",
         lambda: step("acceptance", "fail", stage_acceptance(state="under_review"), acceptance_facts(),
                      data={"verdicts": [{"line_id": 11, "result": "fail", "accepted_amount": Decimal("0.00")}]}),
         changed={"entity.verdicts[*].line_id": [11], "entity.verdicts[*].result": ["fail"],
                  "entity.verdicts[*].accepted_amount": [Decimal("0.00")], "entity.verdict_by": 9,
                  "entity.verdict_at": NOW},
         record={"verdicts": [{"line_id": 11, "result": "fail", "accepted_amount": "0.00"}]}),
    case("acceptance", "publish_notice", "five calendar days end at 24:00 Shanghai of the fifth day after",
         lambda: step("acceptance", "publish", stage_acceptance(state="passed"), acceptance_facts(state="passed")),
         changed={"entity.notices[*].published_at": [NOW],
                  "entity.notices[*].ends_at": [datetime(2024, 6, 8, 16, tzinfo=UTC)],
                  "entity.notices[-1].days": 5, "entity.notices[-1].working_days": False},
         facts={"notice_ends_at": datetime(2024, 6, 8, 16, tzinfo=UTC), "objections": ()},
         record={"notice_id": None, "ends_at": "2024-06-08T16:00:00+00:00", "days": 5, "working_days": False,
                 "clause": "曲政办发〔2018〕205号 五(五)2"}),
    case("acceptance", "publish_notice", "five working days skip the National Day holiday and count its make-up day",
         lambda: published_in_working_days(datetime(2024, 9, 30, 2, tzinfo=UTC)),
         changed={"entity.notices[*].ends_at": [datetime(2024, 10, 12, 16, tzinfo=UTC)],
                  "entity.notices[-1].working_days": True},
         facts={"notice_ends_at": datetime(2024, 10, 12, 16, tzinfo=UTC), "objections": ()},
         record={"notice_id": None, "ends_at": "2024-10-12T16:00:00+00:00", "days": 5, "working_days": True,
                 "clause": "曲政办发〔2018〕205号 五(五)2"}),
    case("acceptance", "publish_notice", "a second notice after rectification starts without the first's objections",
         lambda: step("acceptance", "publish",
                      stage_acceptance(state="passed", attempt=2, notices=[notice(20, (1, "uphold"))]),
                      acceptance_facts(state="passed", notice_ends_at=datetime(2024, 5, 12, 16, tzinfo=UTC),
                                       objections=(ObjectionFacts(1, "uphold"),))),
         changed={"entity.notices[*].id": [20, None], "entity.notices[*].published_at": [EARLIER, NOW]},
         facts={"notice_ends_at": datetime(2024, 6, 8, 16, tzinfo=UTC), "objections": ()},
         record={"notice_id": None, "ends_at": "2024-06-08T16:00:00+00:00", "days": 5, "working_days": False,
                 "clause": "曲政办发〔2018〕205号 五(五)2"}),
    case("acceptance", "close_notice", "the latest notice closes now",
         lambda: step("acceptance", "close_notice",
                      stage_acceptance(state="in_notice", notices=[notice(20), notice(21)]),
                      acceptance_facts(state="in_notice")),
         changed={"entity.notices[*].closed_at": [None, NOW]}, record={"notice_id": 21}),
    case("acceptance", "decide_objection", "dismissing one of two pending objections keeps the notice open",
         lambda: objection_step("objected", "dismiss", 2),
         changed={"entity.notices[-1].objections[*].decision": ["dismiss", None],
                  "entity.notices[-1].objections[*].decided_by": [9, None],
                  "entity.notices[-1].objections[*].decided_at": [NOW, None],
                  "entity.notices[-1].objections[*].decision_note": ["经核实", None],
                  "entity.notices[-1].closed_at": None},
         record={"objection_id": 1, "decision": "dismiss"}),
    case("acceptance", "decide_objection", "dismissing the last one while the notice runs keeps it open",
         lambda: objection_step("in_notice", "dismiss"),
         changed={"entity.notices[-1].objections[*].decision": ["dismiss"], "entity.notices[-1].closed_at": None},
         record={"objection_id": 1, "decision": "dismiss"}),
    case("acceptance", "decide_objection", "dismissing the last one after the end closes the notice",
         lambda: objection_step("notice_clear", "dismiss"),
         changed={"entity.notices[-1].objections[*].decision": ["dismiss"], "entity.notices[-1].closed_at": NOW},
         record={"objection_id": 1, "decision": "dismiss"}),
    case("acceptance", "decide_objection", "upholding one fails the acceptance and leaves the others undecided",
         lambda: objection_step("failed", "uphold", 2),
         changed={"entity.notices[-1].objections[*].decision": ["uphold", None],
                  "entity.notices[-1].objections[*].decided_by": [9, None], "entity.notices[-1].closed_at": None},
         record={"objection_id": 1, "decision": "uphold"}),
    case("acceptance", "record_vote", "a vote is kept on the attempt and the tally recorded; the deciding one approves",
         lambda: step("acceptance", "vote", stage_acceptance(state="notice_clear", votes=[]),
                      acceptance_facts(state="notice_clear", members=(7, 8, 9), votes={7: "approve"}),
                      data={"vote": "approve", "opinion": "同意"}, after="approved"),
         changed={"entity.votes[*].vote": ["approve"], "entity.votes[*].user_id": [9],
                  "entity.votes[*].opinion": ["同意"], "entity.approved_by": 9},
         facts={"votes": {7: "approve", 9: "approve"}},
         record={"vote": "approve", "opinion": "同意", "members": 3, "recused": 0, "approvals": 2, "rejections": 0,
                 "required": 2, "quorum": "majority"}),
    case("acceptance", "record_vote", "a recusal keeps its reason and approves nothing",
         lambda: step("acceptance", "recuse", stage_acceptance(state="notice_clear", votes=[]),
                      acceptance_facts(state="notice_clear", members=(7, 8, 9)),
                      data={"reason": "亲属关系"}),
         changed={"entity.votes[*].vote": ["recuse"], "entity.votes[*].opinion": ["亲属关系"],
                  "entity.approved_by": None},
         facts={"votes": {9: "recuse"}},
         record={"vote": "recuse", "opinion": "亲属关系", "members": 3, "recused": 1, "approvals": 0, "rejections": 0,
                 "required": 2, "quorum": "majority"}),
    case("acceptance", "record_approval", "the leader who approved is kept",
         lambda: step("acceptance", "approve", stage_acceptance(state="notice_clear", verdict_by=5),
                      acceptance_facts(state="notice_clear", verdict_by=5)),
         changed={"entity.approved_by": 9}),
    case("acceptance", "order_rectification", "the deadline is kept and recorded",
         lambda: step("acceptance", "rectify", stage_acceptance(state="failed"), acceptance_facts(state="failed"),
                      data={"deadline": date(2024, 7, 1), "note": "补齐验收材料"}),
         changed={"entity.rectify_deadline": date(2024, 7, 1)}, record={"deadline": "2024-07-01"}),
    case("acceptance", "reopen", "a new attempt clears the verdicts and who gave them",
         lambda: step("acceptance", "reapply",
                      stage_acceptance(state="rectifying", verdict_by=5, verdict_at=EARLIER, verdicts=[
                          Verdict(line_id=11, result="fail", accepted_amount=Decimal("0.00"))]),
                      acceptance_facts(state="rectifying", verdict_by=5)),
         changed={"entity.attempt": 2, "entity.verdicts": [], "entity.verdict_by": None, "entity.verdict_at": None,
                  "entity.approved_by": None},
         record={"attempt": 2}),
    case("acceptance", "reopen", "the third attempt counts on",
         lambda: step("acceptance", "reapply", stage_acceptance(state="rectifying", attempt=2),
                      acceptance_facts(state="rectifying")),
         changed={"entity.attempt": 3}, record={"attempt": 3}),
]


PROJECT_CASES = [
    case("project", "open_tender_round", "open_tender announces round one",
         lambda: step("project", "open_tender", county_project("filed"), project_facts(state="filed"),
                      data={"method": "open", "packaging": "whole", "announced_on": date(2024, 3, 1),
                            "reference": "YNZC-2024-001"}),
         added=[(TenderRound, {"project_id": 7, "round": 1, "method": "open", "packaging": "whole",
                               "announced_on": date(2024, 3, 1), "reference": "YNZC-2024-001", "outcome": "open"})],
         facts={"tender_rounds": (round_view(1, reference="YNZC-2024-001"),)},
         record={"tender": round_view(1, reference="YNZC-2024-001")}),
    case("project", "open_tender_round", "reannounce_tender announces the round after the failed one",
         lambda: step("project", "reannounce_tender", county_project("tendered"),
                      project_facts(tender_rounds=(round_view(1, "failed", "无人投标"),)),
                      data={"method": "open", "packaging": "whole", "announced_on": date(2024, 3, 2)}),
         added=[(TenderRound, {"project_id": 7, "round": 2, "method": "open", "packaging": "whole",
                               "announced_on": date(2024, 3, 2), "outcome": "open"})],
         facts={"tender_rounds": (round_view(1, "failed", "无人投标"), round_view(2))},
         record={"tender": round_view(2)}),
    case("project", "close_tender_round", "the open round fails with the reason",
         lambda: step("project", "tender_failed", county_project("tendered"),
                      project_facts(tender_rounds=(round_view(1),)),
                      parents={"held": SimpleNamespace(rounds=(round_row(1),))}, data={"note": "无人投标"}),
         changed={"target.parents['held'].rounds[-1].outcome": "failed",
                  "target.parents['held'].rounds[-1].failed_note": "无人投标"},
         facts={"tender_rounds": (round_view(1, "failed", "无人投标"),)},
         record={"round": 1, "outcome": "failed"}),
    case("project", "close_tender_round", "the second round fails and the first stays as it was",
         lambda: step("project", "tender_failed", county_project("tendered"),
                      project_facts(tender_rounds=(round_view(1, "failed"), round_view(2))),
                      parents={"held": SimpleNamespace(rounds=(round_row(1, "failed"), round_row(2)))}),
         changed={"target.parents['held'].rounds[*].outcome": ["failed", "failed"],
                  "target.parents['held'].rounds[-1].failed_note": None},
         facts={"tender_rounds": (round_view(1, "failed"), round_view(2, "failed"))},
         record={"round": 2, "outcome": "failed"}),
    case("project", "record_contracted", "the contracted sum is recorded",
         lambda: step("project", "select_contractor", county_project("tendered"),
                      project_facts(contracts=(contract("6000000.00"), contract("3999999.99")))),
         record={"contracted": "9999999.99"}),
    case("project", "record_evaluation", "pass_audit keeps each target's actual value and the evaluation",
         lambda: step("project", "pass_audit", county_project("final_audit", targets=[
                          TargetRow(name="培训人次", target="3000"), TargetRow(name="网点数", target="80")]),
                      project_facts(state="final_audit"),
                      data={"evaluator": "某会计师事务所", "document_id": 5,
                            "targets": [{"name": "网点数", "actual": "85"}, {"name": "培训人次", "actual": "3200"}]}),
         changed={"entity.targets[*].actual": ["3200", "85"]},
         added=[(Evaluation, {"project_id": 7, "result": "passed", "evaluator": "某会计师事务所", "document_id": 5,
                              "recorded_by": 9, "recorded_at": NOW})],
         record={"result": "passed", "evaluator": "某会计师事务所", "targets": {"网点数": "85", "培训人次": "3200"},
                 "document_id": 5}),
    case("project", "record_evaluation", "fail_audit keeps a failed evaluation without a report",
         lambda: step("project", "fail_audit", county_project("final_audit", targets=[TargetRow(name="网点数")]),
                      project_facts(state="final_audit"),
                      data={"evaluator": "某会计师事务所", "targets": [{"name": "网点数", "actual": "12"}],
                            "amount": Decimal("100.00")}),
         changed={"entity.targets[*].actual": ["12"]},
         added=[(Evaluation, {"project_id": 7, "result": "failed", "evaluator": "某会计师事务所", "recorded_by": 9,
                              "recorded_at": NOW})],
         record={"result": "failed", "evaluator": "某会计师事务所", "targets": {"网点数": "12"}, "document_id": None}),
    case("project", "order_recovery", "a failed evaluation orders its recovery through the recovery workflow",
         lambda: step("project", "fail_audit", county_project("final_audit"), project_facts(state="final_audit"),
                      data={"amount": Decimal("120000.00"), "note": "绩效评价未通过", "evaluator": "某会计师事务所"}),
         facts={"recovery_outstanding": Decimal("120000.00")}, record={"amount": "120000.00"},
         cascades=[(recoveries.SUBJECT, ("RecoveryOrder", {
             "project_id": 7, "basis": "failed_evaluation", "amount": Decimal("120000.00"), "received": Decimal(0),
             "reason": "绩效评价未通过", "state": "ordered", "project_state": "final_audit", "created_at": NOW,
             "updated_at": NOW}), "order", {"basis": "failed_evaluation", "amount": Decimal("120000.00"),
                                            "document_id": None, "reason": "绩效评价未通过"})]),
    case("project", "order_recovery", "a failed evaluation with nothing to recover orders none",
         lambda: step("project", "fail_audit", county_project("final_audit"), project_facts(state="final_audit"),
                      data={"amount": Decimal("0"), "evaluator": "某会计师事务所"}),
         record={"amount": "0.00"}),
    case("project", "record_recovered", "the clawback settles with nothing outstanding",
         lambda: step("project", "settle_clawback", county_project("clawback"), project_facts(state="clawback")),
         record={"outstanding": "0.00"}),
    case("project", "remember_state", "suspend remembers the state it left, for resume",
         lambda: step("project", "suspend", county_project("staged_acceptance"),
                      project_facts(state="staged_acceptance"), before="staged_acceptance"),
         changed={"entity.previous_state": "staged_acceptance"}, facts={"previous_state": "staged_acceptance"},
         record={"left": "staged_acceptance"}),
    case("project", "forget_state", "resume forgets the state it returned to",
         lambda: step("project", "resume", county_project("suspended", previous_state="staged_acceptance"),
                      project_facts(state="suspended", previous_state="staged_acceptance"),
                      after="staged_acceptance"),
         changed={"entity.previous_state": None}, record={"returned_to": "staged_acceptance"}),
]

# --- plans that live (issue 16) ---------------------------------------------------------------------

PINNED = Pinned("test", 1, "1" * 64, "{}")
FIRST_PLAN = Plan(name="测试县示范项目", region="530325", rule_set="test", total=TOTAL, rule_version=1,
                  funding=(FundingSource("中央财政资金", TOTAL),))


def drafted(state: str = "plan_drafted", **columns: Any) -> Project:
    """Project 7 with :data:`FIRST_PLAN` as its plan, held to :data:`PINNED`."""
    return county_project(state, rule_version=1, rule_sha256=PINNED.sha256, subtotals={},
                          funding=[FundingSourceRow(position=0, source="中央财政资金", amount=TOTAL)], **columns)


def amendment_row(**columns: Any) -> Amendment:
    return Amendment(**{"id": 5, "project_id": 7, "state": "proposed", "reason": "按上级意见调整", "base_version": 1,
                        "proposed_by": 4, "plan": {}, "changes": [], "created_at": EARLIER, **columns})


def amendment_facts(proposed: Plan) -> AmendmentFacts:
    return AmendmentFacts(project_state="staged_acceptance", in_force=FIRST_PLAN, proposed=proposed, rules=RULES,
                          county="530325")


RENAMED = [{"path": "name", "zh": "项目名称", "en": "name", "old": "测试县示范项目", "new": "测试县示范项目（调整）",
            "money": False}]

PLAN_CASES = [
    case("project", "write_plan", "a draft takes the plan sent and records what changed",
         lambda: step("project", "edit_plan", drafted(), project_facts(plan=FIRST_PLAN, state="plan_drafted"),
                      parents={"pinned": PINNED, "pin_kept": True, "draft_version": None},
                      data={"plan": replace(FIRST_PLAN, name="测试县示范项目（调整）")}),
         changed={"entity.name": "测试县示范项目（调整）"}, record={"changes": RENAMED}),
    case("amendment", "record_proposal", "a proposal keeps what it changes against the plan in force",
         lambda: step("amendment", "propose", amendment_row(proposed_by=None),
                      amendment_facts(replace(FIRST_PLAN, name="测试县示范项目（调整）"))),
         changed={"entity.changes": RENAMED, "entity.proposed_by": ACTOR.id},
         record={"reason": "按上级意见调整", "base_version": 1, "changes": RENAMED}),
    case("amendment", "put_plan_in_force", "approval makes the plan the project's next version",
         lambda: step("amendment", "approve", amendment_row(), amendment_facts(
             replace(FIRST_PLAN, name="测试县示范项目（调整）")),
             project=drafted("staged_acceptance", plan_version=1, created_by=2, created_at=EARLIER),
             parents={"pinned": PINNED, "pin_kept": True, "first_version": 11}),
         changed={"entity.changes": RENAMED, "entity.decided_by": ACTOR.id,
                  "target.project.plan_version": 2, "target.project.name": "测试县示范项目（调整）"},
         record={"version": 2, "rule_version": 1, "changes": RENAMED}),
    case("amendment", "record_decision", "a rejection keeps the supervisor's note",
         lambda: step("amendment", "reject", amendment_row(), amendment_facts(FIRST_PLAN), data={"note": "理由不足"}),
         changed={"entity.decided_by": ACTOR.id, "entity.note": "理由不足"}),
    case("amendment", "record_decision", "the author withdraws",
         lambda: step("amendment", "withdraw", amendment_row(), amendment_facts(FIRST_PLAN)),
         changed={"entity.decided_by": ACTOR.id, "entity.note": None}),
]

# --- recoveries (issue 17) ------------------------------------------------------------------------------


def recovery_row(**columns: Any) -> RecoveryOrder:
    """Recovery 61 of project 7: fraud, everything disbursed (2450000.00), nothing received yet."""
    return RecoveryOrder(**{"id": 61, "project_id": 7, "basis": "fraud", "amount": Decimal("2450000.00"),
                            "received": Decimal(0), "reason": "虚报建设内容", "state": "ordered",
                            "project_state": "staged_acceptance", **columns})


def recovery_facts(**changes: Any) -> RecoveryFacts:
    return replace(RecoveryFacts(basis="fraud", amount=Decimal("2450000.00"), given=None,
                                 disbursed=Decimal("2450000.00"), recoverable=Decimal("2450000.00"),
                                 actor_role="supervisor"), **changes)


TWO_PAID = {3: replace(EMPTY, disbursed=Decimal("1950000.00")), 4: EMPTY,
            5: replace(EMPTY, disbursed=Decimal("500000.00"), recovered=Decimal("100000.00"))}
ORDERED = {"basis": "fraud", "amount": "2450000.00", "contract_id": None, "disbursed": "2450000.00",
           "reason": "虚报建设内容", "document_id": None, "project_state": "staged_acceptance"}

RECOVERY_CASES = [
    case("recovery", "record_order", "an order demands everything for fraud, whatever was given, signed by who ordered",
         lambda: step("recovery", "order", recovery_row(amount=Decimal("1.00"), state="ordered"), recovery_facts(),
                      after="ordered"),
         changed={"entity.amount": Decimal("2450000.00"), "entity.ordered_by": 9, "entity.ordered_at": NOW},
         facts={"state": "ordered"}, record=ORDERED),
    case("recovery", "record_order", "an inspector's proposal is signed as proposed, not ordered",
         lambda: step("recovery", "order", recovery_row(), recovery_facts(actor_role="inspector"), after="proposed"),
         changed={"entity.proposed_by": 9}, facts={"state": "proposed"}, record=ORDERED),
    case("recovery", "record_order", "confirming a proposal orders it",
         lambda: step("recovery", "confirm_order", recovery_row(state="proposed", proposed_by=4),
                      recovery_facts(state="proposed")),
         changed={"entity.ordered_by": 9, "entity.ordered_at": NOW}, facts={"state": "ordered"}, record=ORDERED),
    case("recovery", "record_dismissal", "a dismissed proposal keeps the note and who dismissed it",
         lambda: step("recovery", "dismiss", recovery_row(state="proposed"), recovery_facts(state="proposed"),
                      data={"note": "查无实据"}),
         changed={"entity.note": "查无实据", "entity.ordered_by": 9}),
    case("recovery", "record_receipt", "a receipt is shared by what each contract still holds, to the fen",
         lambda: step("recovery", "record_receipt", recovery_row(), recovery_facts(),
                      parents={"ledgers": TWO_PAID, "reserved": {}},
                      data={"amount": Decimal("1000000.00"), "received_on": date(2024, 9, 27),
                            "voucher_no": " SH-1 "}),
         changed={"entity.received": Decimal("1000000.00")},
         added=[(RecoveryReceipt, {"recovery_id": 61, "project_id": 7, "amount": Decimal("1000000.00"),
                                   "received_on": date(2024, 9, 27), "voucher_no": "SH-1", "recorded_by": 9,
                                   "created_at": NOW}),
                (RecoveryShare, {"project_id": 7, "contract_id": 3, "amount": Decimal("829787.23"),
                                 "recovered_on": date(2024, 9, 27)}),
                (RecoveryShare, {"project_id": 7, "contract_id": 5, "amount": Decimal("170212.77"),
                                 "recovered_on": date(2024, 9, 27)})],
         facts={"state": "part_received", "received": Decimal("1000000.00")},
         record={"amount": "1000000.00", "received_on": "2024-09-27", "voucher_no": "SH-1",
                 "received": "1000000.00", "outstanding": "1450000.00",
                 "allocation": {"3": "829787.23", "5": "170212.77"}, "receipt_id": None}),
    case("recovery", "record_receipt", "a project-wide receipt leaves alone what orders naming a contract are owed",
         lambda: step("recovery", "record_receipt", recovery_row(), recovery_facts(),
                      parents={"ledgers": TWO_PAID, "reserved": {5: Decimal("400000.00")}},
                      data={"amount": Decimal("1000.00"), "received_on": date(2024, 9, 27), "voucher_no": "SH-3"}),
         changed={"entity.received": Decimal("1000.00")},
         added=[(RecoveryReceipt, {"recovery_id": 61, "project_id": 7, "amount": Decimal("1000.00"),
                                   "received_on": date(2024, 9, 27), "voucher_no": "SH-3", "recorded_by": 9,
                                   "created_at": NOW}),
                (RecoveryShare, {"project_id": 7, "contract_id": 3, "amount": Decimal("1000.00"),
                                 "recovered_on": date(2024, 9, 27)})],
         facts={"state": "part_received", "received": Decimal("1000.00")},
         record={"amount": "1000.00", "received_on": "2024-09-27", "voucher_no": "SH-3", "received": "1000.00",
                 "outstanding": "2449000.00", "allocation": {"3": "1000.00"}, "receipt_id": None}),
    case("recovery", "record_receipt", "a receipt on an order naming a contract is all that contract's",
         lambda: step("recovery", "record_receipt", recovery_row(contract_id=5, amount=Decimal("400000.00")),
                      recovery_facts(amount=Decimal("400000.00"), contract_id=5),
                      parents={"ledgers": TWO_PAID, "reserved": {}},
                      data={"amount": Decimal("400000.00"), "received_on": date(2024, 9, 27), "voucher_no": "SH-2"},
                      after="settled"),
         changed={"entity.received": Decimal("400000.00")},
         added=[(RecoveryReceipt, {"recovery_id": 61, "project_id": 7, "amount": Decimal("400000.00"),
                                   "received_on": date(2024, 9, 27), "voucher_no": "SH-2", "recorded_by": 9,
                                   "created_at": NOW}),
                (RecoveryShare, {"project_id": 7, "contract_id": 5, "amount": Decimal("400000.00"),
                                 "recovered_on": date(2024, 9, 27)})],
         facts={"state": "settled", "received": Decimal("400000.00")},
         record={"amount": "400000.00", "received_on": "2024-09-27", "voucher_no": "SH-2", "received": "400000.00",
                 "outstanding": "0.00", "allocation": {"5": "400000.00"}, "receipt_id": None}),
]



def application_row(**columns: Any) -> Application:
    """Application 71 on call 11 of project 7: enterprise C asks for 600000.00."""
    return Application(**{"id": 71, "call_id": 11, "project_id": 7, "applicant_name": "某电商公司",
                          "credit_code": "91530325MA6K00001L", "declarations": {"sound_accounting": True},
                          "amount_requested": Decimal("600000.00"), "description": "建设服务站",
                          "state": "submitted", **columns})


def application_facts(**changes: Any) -> ApplicationFacts:
    return replace(ApplicationFacts(
        state="submitted", actor_role="commerce", actor_id=ACTOR.id, actor_contractor_code=None,
        applicant_name="某电商公司", credit_code="91530325MA6K00001L", declarations={},
        amount_requested=Decimal("600000.00"), call_state="open", call_deadline=date(2024, 12, 31),
        call_total=Decimal("1000000.00"), today=date(2024, 6, 3), now=NOW), **changes)


PANEL = [{"name": "张三", "bureau": "县商务局", "no_conflict": True}]
VISIT = {"date": "2024-06-01", "note": "一致"}
REVIEWED = {"panel": PANEL, "site_visit": VISIT, "verdict": "pass", "proposed_subsidy": "500000.00"}
NOTICE_ENDS = datetime(2024, 6, 8, 16, 0, tzinfo=UTC)  # five calendar days from 06-03, 24:00 in Shanghai

APPLICATION_CASES = [
    case("application", "record_submission", "an application keeps its materials once each and who submitted it",
         lambda: step("application", "submit", application_row(), application_facts(),
                      data={"document_ids": [4, 4, 5]}),
         changed={"entity.submitted_by": 9, "entity.documents[*].document_id": [4, 5]},
         record={"call_id": 11, "applicant": "某电商公司", "credit_code": "91530325MA6K00001L",
                 "declarations": {"sound_accounting": True}, "amount_requested": "600000.00", "document_ids": [4, 5]}),
    case("application", "record_review_start", "the review records who started it",
         lambda: step("application", "start_review", application_row(), application_facts()),
         changed={"entity.review_started_by": 9}),
    case("application", "record_review", "a pass keeps the panel, the site visit and the proposed subsidy",
         lambda: step("application", "review", application_row(state="under_review"),
                      application_facts(state="under_review"), after="reviewed",
                      data={"panel": PANEL, "site_visit": {"date": date(2024, 6, 1), "note": "一致"}, "verdict": "pass",
                            "proposed_subsidy": Decimal("500000.00")}),
         changed={"entity.panel": PANEL, "entity.site_visit": VISIT, "entity.verdict": "pass",
                  "entity.reviewed_by": 9, "entity.reviewed_at": NOW, "entity.proposed_subsidy": Decimal("500000.00")},
         facts={"state": "reviewed", "reviewed_by": 9, "proposed_subsidy": Decimal("500000.00")}, record=REVIEWED),
    case("application", "record_review", "a fail proposes nothing and keeps the note",
         lambda: step("application", "review", application_row(state="under_review"),
                      application_facts(state="under_review"), after="rejected",
                      data={"panel": PANEL, "site_visit": {"date": date(2024, 6, 1), "note": "一致"}, "verdict": "fail",
                            "note": "不符合申报指南"}),
         changed={"entity.panel": PANEL, "entity.site_visit": VISIT, "entity.verdict": "fail",
                  "entity.reviewed_by": 9, "entity.reviewed_at": NOW, "entity.reject_note": "不符合申报指南"},
         facts={"state": "rejected", "reviewed_by": 9, "proposed_subsidy": None},
         record={**REVIEWED, "verdict": "fail", "proposed_subsidy": None}),
    case("application", "record_recheck", "finance's re-check records who re-checked and who reviewed",
         lambda: step("application", "finance_recheck", application_row(state="reviewed", reviewed_by=5),
                      application_facts(state="reviewed", reviewed_by=5), data={"note": "属实"}),
         changed={"entity.rechecked_by": 9, "entity.rechecked_at": NOW, "entity.recheck_note": "属实"},
         record={"reviewed_by": 5}),
    case("application", "publish_notice", "the notice names the applicant and the proposed subsidy for the rules' days",
         lambda: step("application", "publish", application_row(state="rechecked",
                                                                proposed_subsidy=Decimal("500000.00")),
                      application_facts(state="rechecked"), parents={"rules": RULES}),
         changed={"entity.notice_published_at": NOW, "entity.notice_ends_at": NOTICE_ENDS, "entity.notice_days": 5,
                  "entity.notice_working_days": False, "entity.notices[*].ends_at": [NOTICE_ENDS]},
         facts={"state": "in_notice", "notice_ends_at": NOTICE_ENDS, "objections": ()},
         record={"applicant": "某电商公司", "credit_code": "91530325MA6K00001L", "proposed_subsidy": "500000.00",
                 "notice_id": None, "ends_at": NOTICE_ENDS.isoformat(), "days": 5, "working_days": False,
                 "clause": "曲政办发〔2018〕205号 五(五)2"}),
    case("application", "close_notice", "closing the notice records when, on the application and its notice",
         lambda: step("application", "close_notice", application_row(state="in_notice", notices=[notice(21)]),
                      application_facts(state="in_notice")),
         changed={"entity.notice_closed_at": NOW, "entity.notices[-1].closed_at": NOW}, record={"notice_id": 21}),
    case("application", "decide_objection", "an upheld objection rejects the application with its note",
         lambda: step("application", "resolve_objection",
                      application_row(state="objected", notices=[notice(21, (1, None))]),
                      application_facts(state="objected", notice_ends_at=NOW + timedelta(days=1),
                                        objections=(ObjectionFacts(1, None),)),
                      data={"objection_id": 1, "decision": "uphold", "note": "异议属实"}, after="rejected"),
         changed={"entity.notices[-1].objections[*].decision": ["uphold"], "entity.rejected_by": 9,
                  "entity.reject_note": "异议属实", "entity.notices[-1].closed_at": None},
         record={"objection_id": 1, "decision": "uphold"}),
    case("application", "decide_objection", "dismissing the last objection after the end closes the notice",
         lambda: step("application", "resolve_objection",
                      application_row(state="objected", notices=[notice(21, (1, None))]),
                      application_facts(state="objected", notice_ends_at=NOW - timedelta(days=1),
                                        objections=(ObjectionFacts(1, None),)),
                      data={"objection_id": 1, "decision": "dismiss", "note": "不属实"}, after="notice_clear"),
         changed={"entity.notices[-1].objections[*].decision": ["dismiss"], "entity.notices[-1].closed_at": NOW,
                  "entity.notice_closed_at": NOW, "entity.rejected_by": None},
         record={"objection_id": 1, "decision": "dismiss"}),
    case("application", "record_award", "the award is the proposed subsidy, written as a subsidy agreement",
         lambda: step("application", "award", application_row(state="notice_clear",
                                                              proposed_subsidy=Decimal("500000.00")),
                      application_facts(state="notice_clear", lines_room=Decimal("1000000.00"),
                                        awarded_on_lines=Decimal("200000.00")),
                      parents={"call": CallRow(id=11, title="电商扶贫项目申报", lines=[CallLine(line_id=4)]),
                               "contractor": None}),
         changed={"entity.awarded": Decimal("500000.00"), "entity.awarded_by": 9, "entity.awarded_at": NOW},
         added=[(ContractRow, {"project_id": 7, "lot": "补助协议：电商扶贫项目申报（某电商公司）",
                               "amount": Decimal("500000.00"), "signed_on": date(2024, 6, 3), "advance_share": "0",
                               "final_share": "1", "stages": [], "application_id": 71})],
         record={"awarded": "500000.00", "lines_left": "300000.00", "call_left": "500000.00", "contract_id": None,
                 "contractor": "91530325MA6K00001L"}),
    case("application", "record_rejection", "a rejection keeps its note and who rejected",
         lambda: step("application", "reject", application_row(state="under_review"),
                      application_facts(state="under_review"), data={"note": "材料不全"}),
         changed={"entity.rejected_by": 9, "entity.reject_note": "材料不全"}),
    case("application", "record_withdrawal", "a withdrawal records who withdrew",
         lambda: step("application", "withdraw", application_row(), application_facts()),
         changed={"entity.withdrawn_by": 9}),
]



def volume_row(**columns: Any) -> VolumeReport:
    """Report 81 on application 71: 120000 orders in 2024-09, reported by user 3."""
    return VolumeReport(**{"id": 81, "application_id": 71, "project_id": 7, "month": "2024-09", "volume": 120000,
                           "state": "reported", "reported_by": 3, **columns})


def volume_facts(**changes: Any) -> VolumeFacts:
    return replace(VolumeFacts(state="reported", actor_role="commerce", actor_id=ACTOR.id, application_state="awarded",
                               unit_name="单", unit_rate=Decimal("3.00"), unit_cap=Decimal("350000.00"),
                               month="2024-09", volume=120000, today=date(2024, 10, 8), reported_by=3), **changes)


#: Call 11: 3.00 yuan an order, at most 350000.00 a month.
PER_ORDER = {"call": CallRow(id=11, unit_name="单", unit_rate=Decimal("3.00"), unit_cap=Decimal("350000.00"))}
RATE_VIEW = {"unit": "单", "rate": "3.00", "cap": "350000.00"}

VOLUME_CASES = [
    case("volume_report", "record_report", "a report keeps its evidence once each, who reported and what it claims",
         lambda: step("volume_report", "report", volume_row(reported_by=None), volume_facts(), parents=PER_ORDER,
                      data={"document_ids": [4, 4, 5], "note": "九月订单"}),
         changed={"entity.reported_by": 9, "entity.note": "九月订单", "entity.documents[*].document_id": [4, 5]},
         record={"application_id": 71, "month": "2024-09", "volume": 120000, "unit_rate": RATE_VIEW,
                 "document_ids": [4, 5], "claimed": "350000.00"}),
    case("volume_report", "record_verification", "a verification keeps the volume verified and what the month pays",
         lambda: step("volume_report", "verify", volume_row(), volume_facts(), parents=PER_ORDER,
                      data={"verified_volume": 100000, "note": "核减退货"}),
         changed={"entity.verified_volume": 100000, "entity.verified_by": 9, "entity.verified_at": NOW,
                  "entity.verify_note": "核减退货"},
         record={"application_id": 71, "month": "2024-09", "volume": 120000, "verified_volume": 100000,
                 "reported_by": 3, "unit_rate": RATE_VIEW, "payable": "300000.00"}),
    case("volume_report", "record_rejection", "a rejection keeps its note and who rejected",
         lambda: step("volume_report", "reject", volume_row(), volume_facts(), parents=PER_ORDER,
                      data={"note": "台账不符"}),
         changed={"entity.rejected_by": 9, "entity.reject_note": "台账不符"},
         record={"application_id": 71, "month": "2024-09", "volume": 120000}),
]

#: Report 81: 100000 orders verified for 2024-12 at 3.00 yuan, at most 400000.00 a month.
DECEMBER = VolumeRef(id=81, of_agreement=True, month="2024-12", state="verified", unit_name="单",
                     rate=Decimal("3.00"), cap=Decimal("400000.00"), verified_volume=100000)
VOLUME_CASES += [
    case("payment", "record_volume_report", "a per-unit subsidy keeps its report and records what the month is due",
         lambda: step("payment", "request", stage_payment(kind="subsidy", amount=Decimal("210000.00"),
                                                          acceptance_id=None),
                      payment_facts(kind="subsidy", amount=Decimal("210000.00"), contract_amount=Decimal("900000.00"),
                                    per_unit=True, volume=DECEMBER,
                                    others=(OtherPayment(40, "subsidy", Decimal("690000.00"), "disbursed", None),))),
         changed={"entity.volume_report_id": 81},
         record={"volume_report": {"id": 81, "month": "2024-12", "verified_volume": 100000, "payable": "300000.00",
                                   "due": "210000.00"}}),
    case("payment", "record_volume_report", "any other request names no report",
         lambda: step("payment", "request", stage_payment(), payment_facts())),
]

EFFECT_CASES = (PROJECT_CASES + ACCEPTANCE_CASES + PAYMENT_CASES + PLAN_CASES + RECOVERY_CASES + APPLICATION_CASES
                + VOLUME_CASES)


# --- reading what an effect did ------------------------------------------------------------------------

_PART = re.compile(r"\.?(\w+)|\[(-?\d+|\*|'\w+')\]")


def dig(value: Any, path: str) -> Any:
    """The value at ``path``: attributes, ``[-1]`` indexes, ``['key']`` keys and ``[*]`` (every item)."""
    return _walk(value, _PART.findall(path))


def _walk(value: Any, parts: list[tuple[str, str]]) -> Any:
    if not parts:
        return value
    (name, index), rest = parts[0], parts[1:]
    if name:
        return _walk(getattr(value, name), rest)
    if index == "*":
        return [_walk(item, rest) for item in value]
    return _walk(value[index.strip("'") if index.startswith("'") else int(index)], rest)


def columns(row: Any) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def created(target: Target[Any]) -> tuple[str, dict[str, Any]]:
    """An object a cascade creates: its class and every column it sets."""
    return type(target.entity).__name__, {k: v for k, v in columns(target.entity).items() if v is not None}


@pytest.mark.parametrize(("workflow", "effect", "given", "then"), EFFECT_CASES)
def test_effect_does_what_its_transition_declares(workflow: str, effect: str, given: Callable[[], Step[Any, Any]],
                                                  then: Then) -> None:
    given_step = given()
    fired: list[tuple[Any, Any, str, Mapping[str, Any]]] = []
    given_step.cascade = lambda subject, target, event, data: fired.append((
        subject, ITS_PROJECT if target.entity is target.project is given_step.target.project else created(target),
        event, data))
    facts, before = given_step.facts, columns(given_step.entity)

    EFFECTS[workflow][effect](given_step)

    assert {path: dig(given_step, path) for path in then.changed} == dict(then.changed)
    listed = {path.removeprefix("entity.") for path in then.changed}
    assert {key for key, value in columns(given_step.entity).items() if before[key] != value} <= listed
    assert [(type(row), {k: v for k, v in columns(row).items() if v is not None}) for row in given_step.added] == \
        [(kind, dict(values)) for kind, values in then.added]
    recorded = {key: value() if callable(value) else value for key, value in given_step.record.items()}
    assert recorded == dict(then.record)
    if then.facts is None:
        assert given_step.facts is facts
    else:
        assert given_step.facts == replace(facts, **then.facts)
    assert fired == list(then.cascades)


def test_every_effect_of_every_transition_has_a_case() -> None:
    declared = {(workflow, t.trigger, effect) for workflow, load in WORKFLOWS.items()
                for t in load().transitions.values() for effect in t.effects}
    covered = set()
    for param in EFFECT_CASES:
        workflow, effect, given, _ = param.values
        covered.add((workflow, given().spec.trigger, effect))
    assert covered == declared
    assert {(w, e) for w, _, e in declared} == {(w, e) for w, effects in EFFECTS.items() for e in effects}


def test_the_first_application_fires_an_event_the_system_may_fire_on_a_project_with_contractors() -> None:
    start = projects.workflow().transitions["start_acceptance"]
    assert start.sources == ("contractor_selected",) and start.dests == ("staged_acceptance",)
    assert "system" in start.roles


def test_the_notice_id_is_recorded_as_it_is_once_the_notice_is_flushed() -> None:
    published = step("acceptance", "publish", stage_acceptance(state="passed"), acceptance_facts(state="passed"))
    acceptances.EFFECTS["publish_notice"](published)
    published.entity.notices[-1].id = 57  # what the engine's flush gives it, before it writes the audit entry
    assert published.record["notice_id"]() == 57
