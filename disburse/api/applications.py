"""Calls for applications and the applications on them (项目申报, issue 20): open a call, apply, and the
application's events — review, finance's re-check, the notice, the award."""

from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from disburse.api.common import db, localised, now
from disburse.api.payments import IDEMPOTENCY_KEY, request_idem
from disburse.api.schemas import AcceptanceOut, EventExplanation, Label, ObjectionOut, PaymentOut
from disburse.api.security import current_actor
from disburse.schemas.application import (
    ApplicationAcceptanceIn,
    ApplicationEventIn,
    ApplicationIn,
    CallIn,
    SubsidyIn,
)
from disburse.schemas.contract import Declarations
from disburse.schemas.fields import DateField, MoneyField, When
from disburse.services import applications

blp = Blueprint("api_applications", __name__,
                description="Calls for applications and applications: review, re-check, notice, award")


class CallRecipientOut(Schema):
    """An applicant publicised on a call, with its proposed (or awarded) subsidy."""

    application_id = fields.Integer()
    applicant = fields.String()
    credit_code = fields.String()
    proposed_subsidy = MoneyField(dump_only=True, allow_none=True)
    awarded = MoneyField(dump_only=True, allow_none=True)
    state = fields.String()
    notice_ends_at = When(allow_none=True)


class UnitRateOut(Schema):
    """A per-unit subsidy: yuan per unit, at most ``cap`` for one beneficiary's month (none: no cap)."""

    unit = fields.String()
    rate = fields.String(metadata={"description": "yuan per unit"})
    cap = fields.String(allow_none=True, metadata={"description": "yuan a month at most; none: no cap"})


class CallOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    title = fields.String()
    total = MoneyField(dump_only=True, metadata={"description": "available, yuan"})
    line_ids = fields.List(fields.Integer())
    conditions = fields.List(fields.String())
    deadline = DateField()
    materials = fields.List(fields.String())
    unit_rate = fields.Nested(UnitRateOut, allow_none=True, metadata={"description": "a per-unit subsidy, or none"})
    state = fields.String(metadata={"description": "open | closed (after its deadline)"})
    awarded = MoneyField(dump_only=True)
    applications = fields.Integer(metadata={"description": "how many applications it has (not to the public)"})
    recipients = fields.List(fields.Nested(CallRecipientOut))
    created_at = When()


class ApplicantOut(Schema):
    name = fields.String()
    credit_code = fields.String()
    region = fields.String(allow_none=True)
    declarations = fields.Nested(Declarations)


class ApplicationPanelMemberOut(Schema):
    name = fields.String()
    bureau = fields.String()
    no_conflict = fields.Boolean()


class ApplicationSiteVisitOut(Schema):
    date = fields.String()
    note = fields.String()


class ApplicationReviewOut(Schema):
    panel = fields.List(fields.Nested(ApplicationPanelMemberOut))
    site_visit = fields.Nested(ApplicationSiteVisitOut, allow_none=True)
    verdict = fields.String(allow_none=True)
    reviewed_by = fields.Integer(allow_none=True)
    reviewed_at = When(allow_none=True)


class ApplicationRecheckOut(Schema):
    rechecked_by = fields.Integer(allow_none=True)
    rechecked_at = When(allow_none=True)
    note = fields.String(allow_none=True)


class ApplicationNoticeOut(Schema):
    published_at = When()
    ends_at = When()
    days = fields.Integer()
    working_days = fields.Boolean()
    closed_at = When(allow_none=True)
    applicant = fields.String()
    proposed_subsidy = MoneyField(dump_only=True, allow_none=True)
    id = fields.Integer(metadata={"description": "the notice: the public objects at "
                                                 "/public/notices/{id}/objections"})
    objections = fields.List(fields.Nested(ObjectionOut))


class SameEnterpriseOut(Schema):
    """Another application of the same enterprise (credit code) in the county, on any call of any project."""

    id = fields.Integer()
    project_id = fields.Integer()
    call_id = fields.Integer()
    call_title = fields.String()
    state = fields.String()
    awarded = MoneyField(dump_only=True, allow_none=True)


class AgreementAcceptanceOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    state = fields.String()


class AgreementPaymentOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    amount = MoneyField(dump_only=True)
    state = fields.String()


class ApplicationOut(Schema):
    """An application with its review record, finance's re-check, its notice and the enterprise's other
    applications on the project."""

    id = fields.Integer()
    call_id = fields.Integer()
    project_id = fields.Integer()
    applicant = fields.Nested(ApplicantOut)
    amount_requested = MoneyField(dump_only=True)
    description = fields.String()
    document_ids = fields.List(fields.Integer())
    state = fields.String()
    state_label = fields.Nested(Label, allow_none=True)
    proposed_subsidy = MoneyField(dump_only=True, allow_none=True)
    awarded = MoneyField(dump_only=True, allow_none=True)
    review = fields.Nested(ApplicationReviewOut, allow_none=True)
    recheck = fields.Nested(ApplicationRecheckOut, allow_none=True)
    notice = fields.Nested(ApplicationNoticeOut, allow_none=True)
    awarded_by = fields.Integer(allow_none=True)
    awarded_at = When(allow_none=True)
    reject_note = fields.String(allow_none=True)
    same_enterprise = fields.List(fields.Nested(SameEnterpriseOut))
    contract_id = fields.Integer(allow_none=True, metadata={
        "description": "the subsidy agreement (补助协议) the award wrote: the contract on which the work is "
                       "accepted and the subsidy paid; none until awarded"})
    acceptances = fields.List(fields.Nested(AgreementAcceptanceOut))
    payments = fields.List(fields.Nested(AgreementPaymentOut))
    allowed_events = fields.List(fields.String())
    created_at = When()
    updated_at = When()


@blp.post("/projects/<int:project_id>/calls")
@blp.arguments(CallIn)
@blp.response(201, CallOut)
def open_call(body: dict[str, Any], project_id: int) -> Any:
    """Open a call for applications on lines of a filed project (commerce)."""
    return applications.open_call(db(), current_actor(), g.origin, project_id, body, now())


@blp.get("/calls/<int:call_id>")
@blp.response(200, CallOut)
def get_call(call_id: int) -> Any:
    """The call, what it has awarded and the applicants publicised."""
    return applications.get_call(db(), current_actor(), call_id, now())


@blp.post("/calls/<int:call_id>/applications")
@blp.arguments(ApplicationIn)
@blp.response(201, ApplicationOut)
def submit(body: dict[str, Any], call_id: int) -> Any:
    """Apply on a call: an enterprise's user in its own name, or commerce on its behalf."""
    return applications.submit(db(), current_actor(), g.origin, call_id, body, now())


@blp.get("/applications/<int:application_id>")
@blp.response(200, ApplicationOut)
def get(application_id: int) -> Any:
    return applications.get_application(db(), current_actor(), application_id, now())


@blp.get("/applications/<int:application_id>/events/<event>")
@blp.response(200, EventExplanation)
def explain(application_id: int, event: str) -> dict[str, Any]:
    """May I fire ``event`` on the application now, and if not, why — changing nothing."""
    return localised(applications.explain_event(db(), current_actor(), application_id, event, now()))


@blp.post("/applications/<int:application_id>/events")
@blp.arguments(ApplicationEventIn)
@blp.response(200, ApplicationOut)
def fire(body: dict[str, Any], application_id: int) -> Any:
    """``start_review``, ``review``, ``reject`` (commerce); ``finance_recheck`` (finance); ``publish``,
    ``close_notice`` (commerce); ``award`` (leader); ``withdraw`` (the applicant, or commerce)."""
    event = body.pop("event")
    return applications.fire_event(db(), current_actor(), g.origin, application_id, event, body, now())


@blp.post("/applications/<int:application_id>/acceptances")
@blp.arguments(ApplicationAcceptanceIn)
@blp.response(201, AcceptanceOut)
def apply_for_acceptance(body: dict[str, Any], application_id: int) -> Any:
    """The awarded work's acceptance: the final acceptance of the application's subsidy agreement, then
    ``/acceptances/{id}/events`` as every acceptance (the enterprise, or commerce on its behalf)."""
    return applications.apply_for_acceptance(db(), current_actor(), g.origin, application_id, body, now())


@blp.post("/applications/<int:application_id>/payments")
@blp.arguments(SubsidyIn)
@blp.response(201, PaymentOut)
@blp.doc(**IDEMPOTENCY_KEY)
def request_subsidy(body: dict[str, Any], application_id: int) -> tuple[Any, int]:
    """Request the subsidy (kind ``subsidy``) of an awarded application whose work is accepted, at most the
    award and what was accepted; then ``/payments/{id}/events`` (verify, approve, disburse)."""
    status, view = applications.request_subsidy(db(), current_actor(), g.origin, application_id, body,
                                                request_idem(), now())
    return view, status
