"""What the public sees without a login (SPEC §9; seed 004 §8(1), seed 001 §8(4)).

Only what the rules say must be disclosed, and nothing else: the plan (name, document
number, county, period, total, funding), its budget lines, the rule set, the contracts
(lot, contractor, amount, signing date), the payments disbursed (amount, date, kind),
the acceptance results, the open public notices (with the objection form on the page),
the supervision contact and the head of the audit log (its size and last hash, and the latest
signed checkpoint of SPEC §8 — ``checkpoint`` is ``None`` before the first is signed; the
checkpoints themselves are public, see :mod:`disburse.services.checkpoints`). No voucher number, no user, no
objector's name or contact, no internal note leaves this module.

Which projects are public: every project whose plan is no longer a draft — any state but
``plan_drafted``. A draft is not yet an official plan; a plan the supervisor returned for
revision goes back to ``plan_drafted`` and leaves the public pages until it is filed again
(the revised plan is the one that counts). Anything else answers 404, as a missing id does.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disburse.adapters import rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    AuditCheckpoint,
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
from disburse.domain.states import RECOVERY_ORDERED, AcceptanceState, PaymentState, ProjectState
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


def _summary(project: Project) -> dict[str, Any]:
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
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def public_projects(db: Database, page: int = 1, per_page: int = 20, region: str | None = None) -> dict[str, Any]:
    """The disclosed projects, newest first; ``region`` (a six-digit code) keeps those inside its subtree."""
    with db.reading() as tx:
        stmt = select(Project).join(Project.region).where(Project.state.not_in(UNDISCLOSED))
        if region:
            root = tx.session.get(Region, region)
            if root is None:
                return pages.page([], 0, page, per_page)
            stmt = stmt.where(Region.path.startswith(root.path))
        total = tx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = tx.session.scalars(stmt.order_by(Project.id.desc()).offset((page - 1) * per_page)
                                  .limit(per_page)).unique().all()
        return pages.page([_summary(p) for p in rows], total, page, per_page)


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
        paid = session.scalars(select(Payment).where(Payment.project_id == project.id,
                                                     Payment.state == PaymentState.DISBURSED)
                               .order_by(Payment.disbursed_on, Payment.id)).all()
        checks = session.scalars(select(Acceptance).where(Acceptance.project_id == project.id)
                                 .order_by(Acceptance.id)).all()
        lines_total = sum((line.amount for line in project.lines if line.amount is not None), Decimal(0))
        return {
            **_summary(project),
            "regions": _regions(session, project.region.path),
            "funding": [{"source": f.source, "amount": format_yuan(f.amount)} for f in project.funding],
            "lines": [{"category": line.category, "item": line.item,
                       "amount": None if line.amount is None else format_yuan(line.amount), "tags": line.tags}
                      for line in project.lines],
            "lines_total": format_yuan(lines_total),
            "tag_labels": {tag: {"zh": zh, "en": en} for tag, (zh, en) in rules.tags.items()},
            "rule_set": {"id": rules.id, "title": {"zh": rules.title_zh, "en": rules.title_en}},
            "contracts": [{"lot": c.lot, "contractor": c.contractor.name, "amount": format_yuan(c.amount),
                           "signed_on": c.signed_on.isoformat()} for c in contracts],
            "contracted": format_yuan(sum((c.amount for c in contracts), Decimal(0))),
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


def public_notice(db: Database, notice_id: int, now: datetime) -> dict[str, Any]:
    """One public notice as the objection page shows it: what is on notice, until when, whether it is open.

    404 when there is no such notice or its project is not disclosed.
    """
    with db.reading() as tx:
        notice = tx.session.get(Notice, notice_id)
        if notice is None:
            raise NotFound(f"no notice {notice_id}")
        acceptance = tx.session.get(Acceptance, notice.acceptance_id)
        assert acceptance is not None
        project = _disclosed(tx.session, acceptance.project_id)
        contract = tx.session.get(Contract, acceptance.contract_id)
        assert contract is not None
        latest = acceptance.notices[-1].id == notice.id
        return {
            **_notice(notice),
            "open": latest and _notice_is_open(acceptance, now),
            "project": {"id": project.id, "name": project.name, "county": project.region.name},
            "contract": {"lot": contract.lot, "contractor": contract.contractor.name,
                         "amount": format_yuan(contract.amount)},
            "acceptance": {**_acceptance_label(acceptance), "state": acceptance.state,
                           "state_label": engine.state_label(acceptances.workflow(), acceptance.state)},
            "supervision": supervision_contact(project.region.path),
        }
