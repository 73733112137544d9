"""What the public sees without a login (SPEC §9; seed 004 §8(1), seed 001 §8(4)).

Only what the rules say must be disclosed, and nothing else: the plan (name, document
number, county, period, total, funding), its budget lines, the rule set, the contracts
(lot, contractor, amount, signing date), the payments disbursed (amount, date, kind),
the acceptance results, the open public notices (with the objection form on the page),
the supervision contact and the head of the audit log (its size and last hash, and the latest
signed checkpoint of SPEC §8 — ``checkpoint`` is ``None`` before the first is signed; the
checkpoints themselves are public, see :mod:`disburse.services.checkpoints`). No voucher number, no user, no
objector's name or contact, no internal note leaves this module.

The calls for applications (issue 20; seed 003 §5(1)1②, §5(2)3②, §6(5)) are public with their lines, the money
available, the conditions, the materials and the deadline; of the applications, only those publicised (in
notice, with the proposed subsidy) and those awarded, each by the enterprise's name and unified social credit
code (public by law for every registered enterprise); the subsidies paid by amount and day. Never an
application's description, its declarations, its documents, the site-visit note, a rejected or withdrawn
application, or anyone's contact; of the review panel only each member's name and bureau.

Which projects are public: every project whose plan is no longer a draft — any state but
``plan_drafted``. A draft is not yet an official plan; a plan the supervisor returned for
revision goes back to ``plan_drafted`` and leaves the public pages until it is filed again
(the revised plan is the one that counts). Anything else answers 404, as a missing id does.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from disburse.adapters import rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    Application,
    AuditCheckpoint,
    BudgetLine,
    Call,
    CallLine,
    Contract,
    Notice,
    Payment,
    PlanVersion,
    Project,
    Region,
)
from disburse.adapters.regions import ROOT_CODE
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.notice import local_date
from disburse.domain.proposed_payment import proposed_payment
from disburse.domain.states import (
    IN_FLIGHT,
    RECOVERY_ORDERED,
    AcceptanceState,
    ApplicationState,
    PaymentState,
    ProjectState,
)
from disburse.paths import CONFIG_DIR
from disburse.services import acceptances, audit, checkpoints, engine, pages, projects, recoveries
from disburse.services.context import SYSTEM
from disburse.services.errors import NotFound

#: The states whose projects are not disclosed: a draft is not yet an official plan; a draft withdrawn never was.
UNDISCLOSED = (ProjectState.PLAN_DRAFTED, ProjectState.WITHDRAWN)
#: Acceptance states that carry a verdict, i.e. a result the public may read.
RESULT_STATES = frozenset(AcceptanceState) - {AcceptanceState.APPLIED, AcceptanceState.UNDER_REVIEW}
NOTICE_STATES = frozenset({AcceptanceState.IN_NOTICE, AcceptanceState.OBJECTED})
SUPERVISION_FILE = CONFIG_DIR / "supervision.yaml"
_SECOND = timedelta(seconds=1)


@cache
def supervision_contacts() -> dict[str, Any]:
    """``config/supervision.yaml``: ``{"default": {zh, en, phone}, "regions": {code: {zh, en, phone}}}``."""
    with SUPERVISION_FILE.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    return {"default": doc["default"], "regions": {str(k): v for k, v in (doc.get("regions") or {}).items()}}


def supervision_contact(region_path: str, contacts: dict[str, Any] | None = None) -> dict[str, str]:
    """The contact of the nearest region enclosing ``region_path`` (county, prefecture, province), else the default.

    ``region_path`` is a materialised path such as ``/350000/350900/350921/``.
    """
    known = contacts or supervision_contacts()
    for code in reversed([c for c in region_path.split("/") if c]):
        if code in known["regions"]:
            return dict(known["regions"][code])
    return dict(known["default"])


def _disclosed(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None or project.state in UNDISCLOSED:
        raise NotFound(f"no public project {project_id}")
    return project


def _regions(session: Session, path: str) -> list[dict[str, str]]:
    """The regions of a path from the province down (the national root left out): ``[{code, name, level}]``."""
    codes = [c for c in path.split("/") if c and c != ROOT_CODE]
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    return [{"code": c, "name": found[c].name, "level": found[c].level} for c in codes if c in found]


def _summary(session: Session, project: Project) -> dict[str, Any]:
    rules = rulesets.for_project(session, project)
    return {
        "id": project.id,
        "name": project.name,
        "doc_no": project.doc_no,
        "county": {"code": project.region.code, "name": project.region.name},
        "state": project.state,
        "state_label": engine.state_label(projects.workflow(), project.state),
        "period": {"start": _iso(project.period_start), "end": _iso(project.period_end)},
        "total": format_yuan(project.total),
        "total_wan": format_wan(project.total),
        "rule_set": {"id": rules.id, "title": {"zh": rules.title_zh, "en": rules.title_en}},
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def public_projects(db: Database, page: int = 1, per_page: int = 20, region: str | None = None) -> dict[str, Any]:
    """The disclosed projects, newest first; ``region`` (a six-digit code) keeps those inside its subtree."""
    with db.reading() as tx:
        return _public_projects(tx.session, page, per_page, region)


def _public_projects(session: Session, page: int, per_page: int, region: str | None) -> dict[str, Any]:
    stmt = select(Project).join(Project.region).where(Project.state.not_in(UNDISCLOSED))
    if region:
        root = session.get(Region, region)
        if root is None:
            return pages.page([], 0, page, per_page)
        stmt = stmt.where(Region.path.startswith(root.path))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Project.id.desc()).offset((page - 1) * per_page)
                           .limit(per_page)).unique().all()
    return pages.page([_summary(session, p) for p in rows], total, page, per_page)


def _notice_is_open(acceptance: Acceptance, now: datetime) -> bool:
    """Objections are taken while the latest notice of an acceptance in notice runs (SPEC §5.2)."""
    notice = acceptance.notices[-1] if acceptance.notices else None
    return (notice is not None and acceptance.state in NOTICE_STATES and notice.closed_at is None
            and now < notice.ends_at)


def _acceptance_label(acceptance: Acceptance) -> dict[str, Any]:
    return {"kind": acceptance.kind, "stage": acceptance.stage}


def _notice(notice: Notice) -> dict[str, Any]:
    return {"id": notice.id, "published_at": notice.published_at.isoformat(), "ends_at": notice.ends_at.isoformat(),
            "ends_on": local_date(notice.ends_at - _SECOND).isoformat()}


#: What the public pages show of a signed checkpoint.
CHECKPOINT_FIELDS = ("size", "root", "root_b64", "signed_at", "note")


def latest_checkpoint(db: Database) -> dict[str, Any] | None:
    """The newest signed checkpoint of the audit log (size, root, signed at, the signed note), or ``None``."""
    items = checkpoints.list_checkpoints(db, page=1, per_page=1)["items"]
    return {k: items[0][k] for k in CHECKPOINT_FIELDS} if items else None


def checkpoint_note(db: Database, size: int) -> str:
    """The signed note of the checkpoint of ``size`` entries, as published (404 when there is none)."""
    with db.reading() as tx:
        note = tx.session.scalar(select(AuditCheckpoint.note).where(AuditCheckpoint.size == size))
    if note is None:
        raise NotFound(f"no checkpoint of size {size}")
    return str(note)


def public_project(db: Database, project_id: int, now: datetime) -> dict[str, Any]:
    """Everything SPEC §9 discloses about one project (404 for a draft or a missing id).

    ``now`` decides which public notices are still open for objections.
    """
    head = {**audit.digest(db), "checkpoint": latest_checkpoint(db)}
    with db.reading() as tx:
        session = tx.session
        project = _disclosed(session, project_id)
        rules = rulesets.for_project(tx.session, project)
        contracts = session.scalars(select(Contract).where(Contract.project_id == project.id)
                                    .order_by(Contract.id)).unique().all()
        lots = {c.id: c.lot for c in contracts}
        # A subsidy agreement (补助协议) is an award on a call, shown with its call, not as a procured contract.
        procured = [c for c in contracts if c.application_id is None]
        paid = session.scalars(select(Payment).where(Payment.project_id == project.id,
                                                     Payment.state == PaymentState.DISBURSED)
                               .order_by(Payment.disbursed_on, Payment.id)).all()
        checks = session.scalars(select(Acceptance).where(Acceptance.project_id == project.id)
                                 .order_by(Acceptance.id)).all()
        lines_total = sum((line.amount for line in project.lines if line.amount is not None), Decimal(0))
        return {
            **_summary(session, project),
            "regions": _regions(session, project.region.path),
            "funding": [{"source": f.source, "amount": format_yuan(f.amount)} for f in project.funding],
            "lines": [{"category": line.category, "item": line.item,
                       "amount": None if line.amount is None else format_yuan(line.amount), "tags": line.tags}
                      for line in project.lines],
            "lines_total": format_yuan(lines_total),
            "tag_labels": {tag: {"zh": zh, "en": en} for tag, (zh, en) in rules.tags.items()},
            "contracts": [{"lot": c.lot, "contractor": c.contractor.name, "amount": format_yuan(c.amount),
                           "signed_on": c.signed_on.isoformat()} for c in procured],
            "contracted": format_yuan(sum((c.amount for c in procured), Decimal(0))),
            "calls": project_calls(session, project.id, now),
            "payments": [{"lot": lots[p.contract_id], "kind": p.kind, "amount": format_yuan(p.amount),
                          "disbursed_on": _iso(p.disbursed_on)} for p in paid],
            "disbursed": format_yuan(sum((p.amount for p in paid), Decimal(0))),
            "acceptances": [
                {"lot": lots[a.contract_id], **_acceptance_label(a), "state": a.state,
                 "state_label": engine.state_label(acceptances.workflow(), a.state),
                 "approved_on": local_date(a.updated_at).isoformat() if a.state == AcceptanceState.APPROVED else None}
                for a in checks if a.state in RESULT_STATES],
            "notices": [{**_notice(a.notices[-1]), "lot": lots[a.contract_id], **_acceptance_label(a)}
                        for a in checks if _notice_is_open(a, now)],
            "recoveries": _recoveries(session, project, lots),
            "supervision": supervision_contact(project.region.path),
            "audit": head,
            "plan": _plan_in_force(session, project),
        }


def _recoveries(session: Session, project: Project, lots: dict[int, str]) -> list[dict[str, Any]]:
    """The recoveries ordered (not proposals, not dismissed ones): basis, amount, what came back, what is owed,
    the day ordered, and whether the project had closed by then — tracked and disclosed (issue 17)."""
    return [{"lot": None if r.contract_id is None else lots[r.contract_id], "basis": r.basis,
             "basis_label": r.basis_label, "amount": format_yuan(r.amount), "received": format_yuan(r.received),
             "outstanding": format_yuan(r.outstanding), "state": r.state, "state_label": r.state_label,
             "ordered_on": None if r.ordered_at is None else local_date(r.ordered_at).isoformat(),
             "after_closure": r.after_closure}
            for r in recoveries.views_of(session, project.id, SYSTEM) if r.state in RECOVERY_ORDERED]


def _plan_in_force(session: Session, project: Project) -> dict[str, Any]:
    """The version in force and, when an approved amendment made it, the day and the reason (issue 16: the
    public page says when the plan was adjusted)."""
    made = session.scalar(select(PlanVersion).where(PlanVersion.project_id == project.id,
                                                    PlanVersion.number == project.plan_version))
    if made is None or made.amendment_id is None or made.approved_at is None:
        return {"version": project.plan_version, "adjusted_on": None, "reason": None}
    return {"version": made.number, "adjusted_on": local_date(made.approved_at).isoformat(), "reason": made.reason}


#: The verdicts of seed 004 §5(5)2 (合格/不合格) by their result codes.
RESULT_LABELS = {"pass": {"zh": "合格", "en": "Passed"}, "fail": {"zh": "不合格", "en": "Failed"}}
#: Where the notice's proposed payment comes from, as a citizen reads it.
PROPOSED_CLAUSE = {"zh": "曲政办发〔2018〕205号 五(五)2：对验收合格项目和拟补助资金在政府网站上进行公示",
                   "en": "Qujing Gov. Office Doc. [2018] No. 205, V(5)2: projects accepted and the subsidy "
                         "proposed for them are publicised on the government website"}
PROPOSED_BASIS = {
    "stage": {"zh": "本阶段合同约定比例对应金额、本次验收核定金额与合同余额三者中的最低者",
              "en": "the least of the stage's share of the contract, the amount this acceptance accepted and "
                    "what remains of the contract"},
    "final": {"zh": "本合同历次已审定验收与本次验收核定金额合计（不超过合同金额），扣除已拨付及在途资金（含预拨）",
              "en": "what the contract's approved acceptances and this one accepted in all (at most the "
                    "contract), less what is paid or being paid on it, advances included"},
}


def published_verdicts(session: Session, project_id: int, acceptance_id: int, notice_id: int) -> list[dict[str, Any]]:
    """The verdicts a notice published: those of the last ``pass`` or ``fail`` before the notice's ``publish``.

    A re-application clears an acceptance's verdicts (SPEC §5.2), so an earlier notice reads the verdicts it
    showed from the audit log, where each verdict step records them. 404 when the log has no such notice.
    """
    verdicts: list[dict[str, Any]] = []
    for entry in audit.entity_history(session, project_id, "acceptance", acceptance_id):
        if entry["action"] in ("acceptance.pass", "acceptance.fail"):
            verdicts = entry["data"]["verdicts"]
        elif entry["action"] == "acceptance.publish" and entry["data"].get("notice_id") == notice_id:
            return verdicts
    raise NotFound(f"no published result for notice {notice_id}")


def _notice_lines(session: Session, verdicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines a notice covers, each with its budget, verdict and accepted amount (not the reviewers' notes:
    internal, like every note)."""
    found = {line.id: line for line in session.scalars(
        select(BudgetLine).where(BudgetLine.id.in_([v["line_id"] for v in verdicts])))}
    rows = []
    for verdict in verdicts:
        line = found[verdict["line_id"]]
        accepted = Decimal(verdict["accepted_amount"])
        rows.append({"ref": line.ref, "category": line.category, "item": line.item,
                     "budget": None if line.amount is None else format_yuan(line.amount),
                     "result": verdict["result"], "result_label": RESULT_LABELS.get(verdict["result"]),
                     "accepted": format_yuan(accepted), "accepted_wan": format_wan(accepted)})
    return rows


def proposed_payment_of(session: Session, acceptance: Acceptance, contract: Contract,
                        accepted: Decimal) -> dict[str, Any]:
    """The proposed payment (拟补助资金) of a notice: :func:`disburse.domain.proposed_payment.proposed_payment`."""
    others = session.scalars(select(Acceptance).where(Acceptance.contract_id == contract.id,
                                                      Acceptance.id != acceptance.id,
                                                      Acceptance.state == AcceptanceState.APPROVED)).all()
    paid = session.scalars(select(Payment.amount).where(
        Payment.contract_id == contract.id, Payment.state.in_((PaymentState.DISBURSED, *IN_FLIGHT)),
        (Payment.acceptance_id.is_(None)) | (Payment.acceptance_id != acceptance.id))).all()
    amount = proposed_payment(kind=acceptance.kind, stage=acceptance.stage, accepted=accepted,
                              contract_amount=contract.amount,
                              stage_shares=[Decimal(s["share"]) for s in contract.stages],
                              accepted_before=sum((acceptances.accepted_total(a) for a in others), Decimal(0)),
                              paid_before=sum(paid, Decimal(0)))
    return {"amount": format_yuan(amount), "amount_wan": format_wan(amount),
            "basis": PROPOSED_BASIS["final" if acceptance.kind == "final" else "stage"], "clause": PROPOSED_CLAUSE}


def public_notice(db: Database, notice_id: int, now: datetime) -> dict[str, Any]:
    """One public notice as the objection page shows it: what is on notice — the lines the acceptance covers
    with their verdicts (合格/不合格) and accepted amounts, and the proposed payment (seed 004 §5(5)2) —
    until when, whether it is open. No objector, no bank account, no user.

    404 when there is no such notice or its project is not disclosed.
    """
    with db.reading() as tx:
        notice = tx.session.get(Notice, notice_id)
        if notice is None:
            raise NotFound(f"no notice {notice_id}")
        if notice.application_id is not None:
            return _public_application_notice(tx.session, notice, now)
        acceptance = tx.session.get(Acceptance, notice.acceptance_id)
        assert acceptance is not None
        project = _disclosed(tx.session, acceptance.project_id)
        contract = tx.session.get(Contract, acceptance.contract_id)
        assert contract is not None
        latest = acceptance.notices[-1].id == notice.id
        verdicts = published_verdicts(tx.session, project.id, acceptance.id, notice.id)
        accepted = sum((Decimal(v["accepted_amount"]) for v in verdicts if v["result"] == "pass"), Decimal(0))
        return {
            **_notice(notice),
            "kind": "acceptance",
            "open": latest and _notice_is_open(acceptance, now),
            "project": {"id": project.id, "name": project.name, "county": project.region.name},
            "contract": {"lot": contract.lot, "contractor": contract.contractor.name,
                         "amount": format_yuan(contract.amount), "amount_wan": format_wan(contract.amount)},
            "acceptance": {**_acceptance_label(acceptance), "state": acceptance.state,
                           "state_label": engine.state_label(acceptances.workflow(), acceptance.state)},
            "lines": _notice_lines(tx.session, verdicts),
            "accepted_total": format_yuan(accepted),
            "accepted_total_wan": format_wan(accepted),
            "proposed_payment": proposed_payment_of(tx.session, acceptance, contract, accepted),
            "supervision": supervision_contact(project.region.path),
        }


def open_notices(db: Database, now: datetime) -> list[dict[str, Any]]:
    """The notices running now on disclosed projects, the soonest to end first: what the public landing page
    lists before anything else, each with its project, county, lot, contractor and what the acceptance accepted."""
    with db.reading() as tx:
        return _open_notices(tx.session, now)


def _open_notices(session: Session, now: datetime) -> list[dict[str, Any]]:
    """:func:`open_notices` in an open transaction: the notices with their acceptances (notices and verdicts
    loaded together), projects and contracts in three statements however many notices run (issue 19)."""
    rows = session.execute(
        select(Notice, Acceptance, Project, Contract).join(Acceptance, Acceptance.id == Notice.acceptance_id)
        .join(Project, Project.id == Acceptance.project_id).join(Contract, Contract.id == Acceptance.contract_id)
        .where(Acceptance.state.in_(NOTICE_STATES), Notice.closed_at.is_(None), Notice.ends_at > now,
               Project.state.not_in(UNDISCLOSED))
        .options(selectinload(Acceptance.notices), selectinload(Acceptance.verdicts))
        .order_by(Notice.ends_at, Notice.id)).unique().all()
    shown = []
    for notice, acceptance, project, contract in rows:
        if acceptance.notices[-1].id != notice.id:
            continue
        accepted = acceptances.accepted_total(acceptance)
        shown.append({**_notice(notice), **_acceptance_label(acceptance),
                      "project": {"id": project.id, "name": project.name,
                                  "county": {"code": project.region.code, "name": project.region.name}},
                      "lot": contract.lot, "contractor": contract.contractor.name,
                      "accepted_total": format_yuan(accepted), "accepted_total_wan": format_wan(accepted)})
    return shown


def landing(db: Database, now: datetime, per_page: int = 20) -> dict[str, Any]:
    """What the public landing page lists (issue 19): the newest disclosed projects and the notices running
    now, in one read transaction."""
    with db.reading() as tx:
        return {"listed": _public_projects(tx.session, 1, per_page, None), "notices": _open_notices(tx.session, now),
                "application_notices": _open_application_notices(tx.session, now)}


def _open_application_notices(session: Session, now: datetime) -> list[dict[str, Any]]:
    """The applications' notices running now on disclosed projects, the soonest to end first (issue 20): the
    call, the applicant and the proposed subsidy, in one statement."""
    rows = session.execute(
        select(Notice, Application, Call, Project).join(Application, Application.id == Notice.application_id)
        .join(Call, Call.id == Application.call_id).join(Project, Project.id == Application.project_id)
        .where(Application.state.in_(APPLICATION_NOTICE_STATES), Notice.closed_at.is_(None), Notice.ends_at > now,
               Project.state.not_in(UNDISCLOSED))
        .order_by(Notice.ends_at, Notice.id)).all()
    return [{**_notice(notice), "call": {"id": call.id, "title": call.title},
             "project": {"id": project.id, "name": project.name,
                         "county": {"code": project.region.code, "name": project.region.name}},
             "applicant": application.applicant_name,
             "proposed_subsidy": format_yuan(application.proposed_subsidy or Decimal(0))}
            for notice, application, call, project in rows]


# --- calls for applications, their notices, awards and subsidies paid (issue 20) ------------------------

#: The applications the public reads: publicised with the proposed subsidy (seed 003 §5(2)3②), and awarded.
PUBLICISED_APPLICATIONS = (ApplicationState.IN_NOTICE, ApplicationState.OBJECTED, ApplicationState.NOTICE_CLEAR,
                           ApplicationState.AWARDED)
#: An application whose notice takes objections (the notice runs; an objection already filed keeps it open).
APPLICATION_NOTICE_STATES = (ApplicationState.IN_NOTICE, ApplicationState.OBJECTED)
#: The clause the public pages cite for the calls and their notices.
CALLS_CLAUSE = {"zh": "《XX县创建国家级电子商务进农村综合示范县工作实施方案》五(一)1②、五(二)3②",
                "en": "Implementation plan of XX county for the national e-commerce into rural areas "
                      "demonstration county, V(1)1② and V(2)3②"}


def public_calls(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Every call for applications of a disclosed project, open ones first, then newest first: its lines (with
    their responsible units and deadlines), the money available, the conditions, the materials, the deadline,
    the applications in notice with the proposed subsidy, the awards and the subsidies paid (seed 003
    §5(1)1②: 公开公布项目申报通知; §5(2)3②; §6(5) 信息公开)."""
    with db.reading() as tx:
        calls = tx.session.scalars(select(Call).join(Project, Project.id == Call.project_id)
                                   .where(Project.state.not_in(UNDISCLOSED)).order_by(Call.id.desc())).all()
        shown = _calls(tx.session, list(calls), now)
        return sorted(shown, key=lambda c: c["state"] != "open")


def public_call(db: Database, call_id: int, now: datetime) -> dict[str, Any]:
    """One call as :func:`public_calls` shows it, with its project's supervision contact; 404 when there is no
    such call or its project is not disclosed."""
    with db.reading() as tx:
        call = tx.session.get(Call, call_id)
        if call is None:
            raise NotFound(f"no public call {call_id}")
        project = _disclosed(tx.session, call.project_id)
        return {**_calls(tx.session, [call], now)[0], "supervision": supervision_contact(project.region.path)}


def project_calls(session: Session, project_id: int, now: datetime) -> list[dict[str, Any]]:
    """The calls of one disclosed project, oldest first (the public project page lists them)."""
    calls = session.scalars(select(Call).where(Call.project_id == project_id).order_by(Call.id)).all()
    return _calls(session, list(calls), now)


def _calls(session: Session, calls: list[Call], now: datetime) -> list[dict[str, Any]]:
    """The public view of ``calls``, read in a fixed number of statements however many calls and applications."""
    if not calls:
        return []
    ids = [c.id for c in calls]
    today = local_date(now)
    lines: dict[int, list[BudgetLine]] = {i: [] for i in ids}
    for call_id, line in session.execute(select(CallLine.call_id, BudgetLine)
                                         .join(BudgetLine, BudgetLine.id == CallLine.line_id)
                                         .where(CallLine.call_id.in_(ids)).order_by(BudgetLine.position)):
        lines[call_id].append(line)
    projects_by_id = {p.id: p for p in session.scalars(
        select(Project).where(Project.id.in_({c.project_id for c in calls})))}
    applications = session.scalars(select(Application).where(Application.call_id.in_(ids),
                                                             Application.state.in_(PUBLICISED_APPLICATIONS))
                                   .order_by(Application.id)).all()
    application_ids = [a.id for a in applications]
    notices: dict[int, Notice] = {}
    for notice in session.scalars(select(Notice).where(Notice.application_id.in_(application_ids))
                                  .order_by(Notice.id)):
        assert notice.application_id is not None
        notices[notice.application_id] = notice  # the latest
    agreements = {c.id: c for c in session.scalars(select(Contract).where(
        Contract.application_id.in_(application_ids)))}
    paid = session.scalars(select(Payment).where(Payment.contract_id.in_(list(agreements)),
                                                 Payment.state == PaymentState.DISBURSED)
                           .order_by(Payment.disbursed_on, Payment.id)).all()
    by_call: dict[int, list[Application]] = {i: [] for i in ids}
    for application in applications:
        by_call[application.call_id].append(application)
    applied = {a.id: a for a in applications}
    payments_of: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for payment in paid:
        application = applied[agreements[payment.contract_id].application_id or 0]
        payments_of[application.call_id].append({
            "application_id": application.id, "applicant": application.applicant_name,
            "credit_code": application.credit_code, "kind": payment.kind, "amount": format_yuan(payment.amount),
            "amount_wan": format_wan(payment.amount), "disbursed_on": _iso(payment.disbursed_on)})
    return [_call(call, projects_by_id[call.project_id], lines[call.id], by_call[call.id], notices,
                  payments_of[call.id], today, now) for call in calls]


def _call(call: Call, project: Project, lines: list[BudgetLine], applications: list[Application],
          notices: dict[int, Notice], payments: list[dict[str, Any]], today: date, now: datetime) -> dict[str, Any]:
    awarded = [a for a in applications if a.state == ApplicationState.AWARDED]
    in_notice = [a for a in applications if a.state != ApplicationState.AWARDED]
    awarded_total = sum((a.awarded or Decimal(0) for a in awarded), Decimal(0))
    paid_total = sum((Decimal(p["amount"]) for p in payments), Decimal(0))
    return {
        "id": call.id,
        "project": {"id": project.id, "name": project.name,
                    "county": {"code": project.region.code, "name": project.region.name}},
        "title": call.title,
        "state": "open" if today <= call.deadline else "closed",
        "deadline": call.deadline.isoformat(),
        "total": format_yuan(call.total), "total_wan": format_wan(call.total),
        "awarded": format_yuan(awarded_total), "awarded_wan": format_wan(awarded_total),
        "available": format_yuan(call.total - awarded_total), "available_wan": format_wan(call.total - awarded_total),
        "paid": format_yuan(paid_total), "paid_wan": format_wan(paid_total),
        "lines": [{"ref": line.ref, "category": line.category, "item": line.item,
                   "amount": None if line.amount is None else format_yuan(line.amount),
                   "responsible": list(line.responsible or []), "cooperating": list(line.cooperating or []),
                   "deadline": _iso(line.deadline)} for line in lines],
        "conditions": list(call.conditions), "materials": list(call.materials),
        "unit_rate": None if call.unit_rate is None else {
            "unit": call.unit_name, "rate": format_yuan(call.unit_rate),
            "cap": None if call.unit_cap is None else format_yuan(call.unit_cap)},
        "notices": [_application_notice(a, notices.get(a.id), now) for a in in_notice],
        "awards": [{"application_id": a.id, "applicant": a.applicant_name, "credit_code": a.credit_code,
                    "awarded": format_yuan(a.awarded or Decimal(0)), "awarded_wan": format_wan(a.awarded or Decimal(0)),
                    "awarded_on": None if a.awarded_at is None else local_date(a.awarded_at).isoformat()}
                   for a in awarded],
        "payments": payments,
        "recipients": [{"application_id": a.id, "applicant": a.applicant_name, "credit_code": a.credit_code,
                        "proposed_subsidy": None if a.proposed_subsidy is None else format_yuan(a.proposed_subsidy),
                        "awarded": None if a.awarded is None else format_yuan(a.awarded), "state": a.state,
                        "notice_ends_at": _iso(a.notice_ends_at)} for a in applications],
        "clause": CALLS_CLAUSE,
    }


def _application_notice(application: Application, notice: Notice | None, now: datetime) -> dict[str, Any]:
    """An application in notice as the public reads it: the applicant (an enterprise: its name and credit code
    are public), the proposed subsidy, the notice's period and whether objections are taken, and the review
    panel by name and bureau (who reviewed is what an objection of conflict of interest needs); never the
    application's description, its declarations, the site-visit note or any contact."""
    proposed = application.proposed_subsidy or Decimal(0)
    published = notice.published_at if notice else application.notice_published_at
    ends = notice.ends_at if notice else application.notice_ends_at
    closed = notice.closed_at if notice else application.notice_closed_at
    return {
        "application_id": application.id, "applicant": application.applicant_name,
        "credit_code": application.credit_code,
        "proposed_subsidy": format_yuan(proposed), "proposed_subsidy_wan": format_wan(proposed),
        "notice_id": None if notice is None else notice.id,
        "published_at": _iso(published), "ends_at": _iso(ends),
        "ends_on": None if ends is None else local_date(ends - _SECOND).isoformat(),
        "open": (application.state in APPLICATION_NOTICE_STATES and closed is None and ends is not None
                 and now < ends),
        "panel": [{"name": m.get("name"), "bureau": m.get("bureau")} for m in application.panel or []],
    }


def _public_application_notice(session: Session, notice: Notice, now: datetime) -> dict[str, Any]:
    """An application's notice as the objection page shows it (issue 20; seed 003 §5(2)3②, seed 004 §5(5)2):
    the call and its lines, the applicant and the proposed subsidy (拟补助资金), the review panel by name and
    bureau, until when, whether objections are taken. 404 when the project is not disclosed."""
    application = session.get(Application, notice.application_id)
    assert application is not None
    project = _disclosed(session, application.project_id)
    call = session.get(Call, application.call_id)
    assert call is not None
    shown = _calls(session, [call], now)[0]
    latest = application.notices[-1].id == notice.id
    proposed = application.proposed_subsidy or Decimal(0)
    from disburse.services import applications  # it reads this module's UNDISCLOSED: imported when used

    return {
        **_notice(notice),
        "kind": "application",
        "open": (latest and application.state in APPLICATION_NOTICE_STATES and notice.closed_at is None
                 and now < notice.ends_at),
        "project": {"id": project.id, "name": project.name, "county": project.region.name},
        "call": {"id": call.id, "title": call.title, "total": shown["total"], "total_wan": shown["total_wan"],
                 "lines": shown["lines"]},
        "application": {"applicant": application.applicant_name, "credit_code": application.credit_code,
                        "proposed_subsidy": format_yuan(proposed), "proposed_subsidy_wan": format_wan(proposed),
                        "state": application.state,
                        "state_label": engine.state_label(applications.workflow(), application.state),
                        "panel": [{"name": m.get("name"), "bureau": m.get("bureau")} for m in application.panel or []]},
        "clause": CALLS_CLAUSE,
        "supervision": supervision_contact(project.region.path),
    }
