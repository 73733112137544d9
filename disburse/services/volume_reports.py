"""Monthly volume reports under a per-unit subsidy (业务量报送, issue 20 item 4) on the one event engine.

Seed 001 §5(4)3 pays a logistics subsidy per order after the fact (按照先建后补政策，实现每单物流补贴). A call may
carry a unit rate (:mod:`disburse.services.applications`: yuan per unit, at most a cap a month); the enterprise
awarded on it reports each month's volume with its evidence — its own user, or commerce on its behalf —
and commerce verifies the volume (someone other than the reporter) or rejects the report with a note. A
verified report is what the month's subsidy is paid on: the verified volume × the rate, at most the cap
(:func:`disburse.domain.volume_guards.payable`). Who reaches a report is who reaches its application.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Application,
    Call,
    Contract,
    Document,
    Money,
    Payment,
    VolumeReport,
    VolumeReportDocument,
)
from disburse.domain.money import format_yuan
from disburse.domain.notice import local_date
from disburse.domain.states import IN_FLIGHT, PaymentState, VolumeReportEvent, VolumeReportState
from disburse.domain.volume_guards import VOLUME_GUARDS, VolumeFacts, payable
from disburse.domain.workflow import Functions, Workflow
from disburse.paths import WORKFLOWS_DIR
from disburse.services import applications, engine
from disburse.services.access import answering_as, hidden, require_reader
from disburse.services.context import Actor, Origin
from disburse.services.engine import RowState, Step, Target

#: Payments that count against the award: in flight or disbursed.
COMMITTED = (*IN_FLIGHT, PaymentState.DISBURSED)

# --- effects (named in workflows/volume_report.yaml) ----------------------------------------------------


def _unit(call: Call) -> dict[str, Any]:
    unit = applications.unit_rate_view(call)
    assert unit is not None  # the guard per_unit_call let only a per-unit call's report through
    return unit


def record_report(step: Step[VolumeReport, VolumeFacts]) -> None:
    """The month's volume as reported, with its evidence and what it would be paid at the call's rate."""
    report, call = step.entity, step.target.parents["call"]
    report.reported_by = step.actor.id
    report.note = step.data.get("note")
    document_ids = list(dict.fromkeys(step.data.get("document_ids") or []))
    for document_id in document_ids:
        report.documents.append(VolumeReportDocument(document_id=document_id))
    step.record.update(application_id=report.application_id, month=report.month, volume=report.volume,
                       unit_rate=_unit(call), document_ids=document_ids,
                       claimed=format_yuan(payable(report.volume, call.unit_rate, call.unit_cap)))


def record_verification(step: Step[VolumeReport, VolumeFacts]) -> None:
    """Commerce's verified volume, and what the month may be paid on it: verified volume × rate, at most the cap."""
    report, call = step.entity, step.target.parents["call"]
    report.verified_volume = int(step.data["verified_volume"])
    report.verified_by, report.verified_at = step.actor.id, step.now
    report.verify_note = step.data.get("note")
    step.record.update(application_id=report.application_id, month=report.month, volume=report.volume,
                       verified_volume=report.verified_volume, reported_by=report.reported_by, unit_rate=_unit(call),
                       payable=format_yuan(payable(report.verified_volume, call.unit_rate, call.unit_cap)))


def record_rejection(step: Step[VolumeReport, VolumeFacts]) -> None:
    report = step.entity
    report.rejected_by, report.reject_note = step.actor.id, step.data.get("note")
    step.record.update(application_id=report.application_id, month=report.month, volume=report.volume)


EFFECTS = {f.__name__: f for f in (record_report, record_verification, record_rejection)}


@cache
def workflow() -> Workflow[VolumeFacts, Step[VolumeReport, VolumeFacts]]:
    """The volume report workflow, loaded once from ``workflows/volume_report.yaml``."""
    return Workflow.load(WORKFLOWS_DIR / "volume_report.yaml",
                         Functions(VolumeReportState, VolumeReportEvent, VOLUME_GUARDS, {}, EFFECTS))


# --- the engine's subject ----------------------------------------------------------------------------


class VolumeReportSubject(RowState[VolumeReport, VolumeFacts]):
    """The volume report workflow's part of the event path (:mod:`disburse.services.engine`)."""

    kind = "volume_report"

    def workflow(self) -> Workflow[VolumeFacts, Step[VolumeReport, VolumeFacts]]:
        return workflow()

    def load(self, session: Session, actor: Actor, ident: int, *, lock: bool) -> Target[VolumeReport]:
        """The report through its application (an enterprise's user: its own only), under the application's locks."""
        require_reader(actor)
        with answering_as("volume_report", ident):
            application_id = session.scalar(select(VolumeReport.application_id).where(VolumeReport.id == ident))
            if application_id is None:
                raise hidden("volume_report", ident)
            parent = applications.SUBJECT.load(session, actor, application_id, lock=lock)
        stmt = select(VolumeReport).where(VolumeReport.id == ident)
        report = session.scalar(stmt.with_for_update(of=VolumeReport) if lock else stmt)
        assert report is not None
        return Target(report, parent.project, {"application": parent.entity, "call": parent.parents["call"]})

    def new(self, session: Session, actor: Actor, parent: int, data: Mapping[str, Any],
            now: datetime) -> Target[VolumeReport]:
        """A report on the application ``parent``, locked (with its project) so one month is reported once."""
        found = applications.SUBJECT.load(session, actor, parent, lock=True)
        application = found.entity
        report = VolumeReport(application_id=application.id, project_id=application.project_id, month=data["month"],
                              volume=int(data["volume"]), state=workflow().initial, created_at=now, updated_at=now)
        return Target(report, found.project, {"application": application, "call": found.parents["call"]})

    def facts(self, session: Session, target: Target[VolumeReport], actor: Actor, data: Mapping[str, Any],
              now: datetime) -> VolumeFacts:
        report, project = target.entity, target.project
        application: Application = target.parents["application"]
        call: Call = target.parents["call"]
        foreign: tuple[int, ...] = ()
        if report.id is None and data.get("document_ids"):
            wanted = set(data["document_ids"])
            ours = set(session.scalars(select(Document.id).where(Document.id.in_(wanted),
                                                                 Document.project_id == project.id)))
            foreign = tuple(sorted(wanted - ours))
        award_left = None
        if application.awarded is not None:
            committed = session.scalar(select(type_coerce(func.coalesce(func.sum(Payment.amount), 0), Money))
                                       .join(Contract, Contract.id == Payment.contract_id)
                                       .where(Contract.application_id == application.id,
                                              Payment.state.in_(COMMITTED)))
            award_left = application.awarded - (committed or Decimal(0))
        months = session.scalars(select(VolumeReport.month).where(
            VolumeReport.application_id == application.id, VolumeReport.state != VolumeReportState.REJECTED,
            VolumeReport.id != (report.id or 0)))
        return VolumeFacts(
            state=report.state, actor_role=actor.role, actor_id=actor.id, actor_ids=actor.ids,
            application_state=application.state,
            unit_name=call.unit_name, unit_rate=call.unit_rate, unit_cap=call.unit_cap, month=report.month,
            volume=report.volume, today=local_date(now), period_start=project.period_start,
            period_end=project.period_end, months_reported=tuple(sorted(months)), foreign_documents=foreign,
            reported_by=report.reported_by, award_left=award_left, data=dict(data))

    def view(self, session: Session, step: Step[VolumeReport, VolumeFacts], allowed: list[str]) -> dict[str, Any]:
        return report_view(session, step.target, step.facts, allowed)


SUBJECT = VolumeReportSubject()


def report_view(session: Session, target: Target[VolumeReport], facts: VolumeFacts,
                allowed: list[str]) -> dict[str, Any]:
    """A report with its unit rate, what its volume claims, once verified what the month may be paid
    (``payable``) and, while it is not paid, the most a payment of it may be now (``due``: at most what the
    award has left), and its payments."""
    report, application, call = target.entity, target.parents["application"], target.parents["call"]
    rate = call.unit_rate
    paid = session.execute(select(Payment.id, Payment.amount, Payment.state)
                           .where(Payment.volume_report_id == report.id).order_by(Payment.id)).all()
    month_pays = None if rate is None or report.verified_volume is None \
        else payable(report.verified_volume, rate, call.unit_cap)
    live = [p for p in paid if p.state in COMMITTED]
    due = None if month_pays is None or live else min(month_pays, max(facts.award_left or Decimal(0), Decimal(0)))
    return {
        "id": report.id, "application_id": report.application_id, "project_id": report.project_id,
        "call_id": call.id, "applicant": application.applicant_name, "credit_code": application.credit_code,
        "month": report.month, "volume": report.volume, "verified_volume": report.verified_volume,
        "unit_rate": applications.unit_rate_view(call),
        "claimed": None if rate is None else payable(report.volume, rate, call.unit_cap),
        "payable": month_pays, "due": due,
        "payments": [{"id": i, "amount": a, "state": st} for i, a, st in paid],
        "state": report.state, "state_label": engine.state_label(workflow(), report.state),
        "document_ids": [d.document_id for d in report.documents], "note": report.note,
        "reported_by": report.reported_by, "verified_by": report.verified_by, "verified_at": report.verified_at,
        "verify_note": report.verify_note, "rejected_by": report.rejected_by, "reject_note": report.reject_note,
        "allowed_events": list(allowed), "created_at": report.created_at, "updated_at": report.updated_at}


# --- use cases -----------------------------------------------------------------------------------


def report(db: Database, actor: Actor, origin: Origin, application_id: int, data: Mapping[str, Any],
           now: datetime) -> dict[str, Any]:
    """Report a month's volume on an awarded per-unit application: its enterprise's user, or commerce."""
    result: dict[str, Any] = engine.create(db, SUBJECT, actor, origin, application_id, data, now)[1]
    return result


def fire_event(db: Database, actor: Actor, origin: Origin, report_id: int, event: str, data: Mapping[str, Any],
               now: datetime) -> dict[str, Any]:
    """``verify`` or ``reject`` (commerce)."""
    result: dict[str, Any] = engine.fire(db, SUBJECT, actor, origin, report_id, event, data, now)[1]
    return result


def _read(session: Session, actor: Actor, target: Target[VolumeReport], now: datetime) -> dict[str, Any]:
    facts = SUBJECT.facts(session, target, actor, {}, now)
    return report_view(session, target, facts, engine.allowed(workflow(), actor, target.entity.state, facts))


def get_report(db: Database, actor: Actor, report_id: int, now: datetime) -> dict[str, Any]:
    with db.reading() as tx:
        return _read(tx.session, actor, SUBJECT.load(tx.session, actor, report_id, lock=False), now)


def list_reports(db: Database, actor: Actor, application_id: int, now: datetime) -> list[dict[str, Any]]:
    """The application's reports, by month (a rejected month before the one reported again)."""
    with db.reading() as tx:
        session = tx.session
        parent = applications.SUBJECT.load(session, actor, application_id, lock=False)
        reports = session.scalars(select(VolumeReport).where(VolumeReport.application_id == application_id)
                                  .order_by(VolumeReport.month, VolumeReport.id)).all()
        return [_read(session, actor, Target(r, parent.project, dict(parent.parents, application=parent.entity)), now)
                for r in reports]


def explain_event(db: Database, actor: Actor, report_id: int, event: str, now: datetime) -> dict[str, Any]:
    """``GET /volume-reports/{id}/events/{event}``: may the actor fire it now, and if not, why."""
    with db.reading() as tx:
        target = SUBJECT.load(tx.session, actor, report_id, lock=False)
        spec = engine.spec_of(workflow(), event)
        facts = SUBJECT.facts(tx.session, target, actor, {}, now)
        return engine.explanation(workflow(), spec, actor, target.entity.state, facts)
