"""Monthly volume reports under a per-unit subsidy (业务量报送, issue 20 item 4): report, verify, reject."""

from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from disburse.api.applications import UnitRateOut
from disburse.api.common import db, localised, now
from disburse.api.schemas import EventExplanation, Label
from disburse.api.security import current_actor
from disburse.schemas.fields import MoneyField, When
from disburse.schemas.volume_report import VolumeReportEventIn, VolumeReportIn
from disburse.services import volume_reports

blp = Blueprint("api_volume_reports", __name__,
                description="Volume reports of per-unit subsidies: a month's units with evidence, verified by commerce")


class ReportPaymentOut(Schema):
    """A payment of the month (kind ``subsidy``)."""

    id = fields.Integer()
    amount = MoneyField(dump_only=True)
    state = fields.String()


class VolumeReportOut(Schema):
    """A month's volume on an awarded per-unit application, what it claims at the call's rate and, once verified,
    what the month may be paid (verified volume × rate, at most the monthly cap)."""

    id = fields.Integer()
    application_id = fields.Integer()
    project_id = fields.Integer()
    call_id = fields.Integer()
    applicant = fields.String()
    credit_code = fields.String()
    month = fields.String()
    volume = fields.Integer()
    verified_volume = fields.Integer(allow_none=True)
    unit_rate = fields.Nested(UnitRateOut, allow_none=True)
    claimed = MoneyField(dump_only=True, allow_none=True,
                         metadata={"description": "yuan: the volume reported × the rate, at most the cap"})
    payable = MoneyField(dump_only=True, allow_none=True,
                         metadata={"description": "yuan: the verified volume × the rate, at most the cap"})
    due = MoneyField(dump_only=True, allow_none=True,
                     metadata={"description": "yuan: the most a payment of this month may be now (payable, at most "
                                              "what the award has left); none once paid or before verification"})
    payments = fields.List(fields.Nested(ReportPaymentOut))
    state = fields.String()
    state_label = fields.Nested(Label, allow_none=True)
    document_ids = fields.List(fields.Integer())
    note = fields.String(allow_none=True)
    reported_by = fields.Integer(allow_none=True)
    verified_by = fields.Integer(allow_none=True)
    verified_at = When(allow_none=True)
    verify_note = fields.String(allow_none=True)
    rejected_by = fields.Integer(allow_none=True)
    reject_note = fields.String(allow_none=True)
    allowed_events = fields.List(fields.String())
    created_at = When()
    updated_at = When()


@blp.post("/applications/<int:application_id>/volume-reports")
@blp.arguments(VolumeReportIn)
@blp.response(201, VolumeReportOut)
def report(body: dict[str, Any], application_id: int) -> Any:
    """Report a month's volume with its evidence on an awarded per-unit application: the enterprise's user, or
    commerce on its behalf."""
    return volume_reports.report(db(), current_actor(), g.origin, application_id, body, now())


@blp.get("/applications/<int:application_id>/volume-reports")
@blp.response(200, VolumeReportOut(many=True))
def list_for_application(application_id: int) -> Any:
    """The application's volume reports, by month."""
    return volume_reports.list_reports(db(), current_actor(), application_id, now())


@blp.get("/volume-reports/<int:report_id>")
@blp.response(200, VolumeReportOut)
def get(report_id: int) -> Any:
    return volume_reports.get_report(db(), current_actor(), report_id, now())


@blp.get("/volume-reports/<int:report_id>/events/<event>")
@blp.response(200, EventExplanation)
def explain(report_id: int, event: str) -> dict[str, Any]:
    """May I ``verify`` or ``reject`` the report now, and if not, why — changing nothing."""
    return localised(volume_reports.explain_event(db(), current_actor(), report_id, event, now()))


@blp.post("/volume-reports/<int:report_id>/events")
@blp.arguments(VolumeReportEventIn)
@blp.response(200, VolumeReportOut)
def fire(body: dict[str, Any], report_id: int) -> Any:
    """``verify`` (commerce, not the reporter: ``verified_volume`` ≤ the volume reported, ``note``) or ``reject``
    (commerce, with a ``note``)."""
    event = body.pop("event")
    return volume_reports.fire_event(db(), current_actor(), g.origin, report_id, event, body, now())
