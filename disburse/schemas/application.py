"""What comes with a call for applications, an application and its events (issue 20; seed 003 §5(2)): the API
loads them with these schemas."""

from marshmallow import Schema, fields, validate

from disburse.schemas.contract import Declarations
from disburse.schemas.delegation import OnBehalf
from disburse.schemas.fields import CreditCodeField, DateField, YuanField

_TEXT = validate.Length(min=1, max=500)


class UnitRateIn(Schema):
    """A per-unit subsidy (issue 20 item 4; seed 001 §5(4)3 每单物流补贴): yuan per unit, at most ``cap`` for one
    beneficiary's month."""

    unit = fields.String(required=True, validate=validate.Length(min=1, max=16),
                         metadata={"description": "the unit paid for, as the call names it (单)"})
    rate = YuanField(required=True, metadata={"description": "yuan per unit, more than zero"})
    cap = YuanField(load_default=None, allow_none=True,
                    metadata={"description": "yuan; the most one beneficiary is paid for one month (none: no cap)"})


class CallIn(Schema):
    """``POST /projects/{id}/calls``: the lines the call spends, the money available, the conditions, the
    deadline and the materials asked for."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=255))
    line_ids = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=100))
    total = YuanField(required=True, metadata={"description": "yuan; at most the lines' amounts less what the "
                                                              "contracts on them commit"})
    conditions = fields.List(fields.String(validate=_TEXT), load_default=None, allow_none=True,
                             validate=validate.Length(max=50),
                             metadata={"description": "eligibility conditions; none: those of the county's plan "
                                                      "(《XX县创建国家级电子商务进农村综合示范县工作实施方案》五(二)1)"})
    deadline = DateField(required=True)
    materials = fields.List(fields.String(validate=_TEXT), load_default=list, validate=validate.Length(max=50))
    unit_rate = fields.Nested(UnitRateIn, load_default=None, allow_none=True,
                              metadata={"description": "a per-unit subsidy, paid on verified monthly volumes"})


class ApplicantIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    credit_code = CreditCodeField(required=True)
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{6}$"))
    declarations = fields.Nested(Declarations, load_default=dict)


class ApplicationIn(Schema):
    """``POST /calls/{id}/applications``: the applicant with its declarations, the amount, the materials."""

    applicant = fields.Nested(ApplicantIn, required=True)
    amount_requested = YuanField(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    document_ids = fields.List(fields.Integer(strict=True), load_default=list, validate=validate.Length(max=100))


class PanelMemberIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    bureau = fields.String(required=True, validate=validate.Length(min=1, max=128))
    no_conflict = fields.Boolean(required=True, metadata={"description": "declares no conflict of interest "
                                                                         "with the applicant; must be true"})


class SiteVisitIn(Schema):
    date = DateField(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class ApplicationEventIn(OnBehalf):
    """``POST /applications/{id}/events``: ``start_review``, ``review`` (``panel``, ``site_visit``, ``verdict``,
    ``proposed_subsidy``), ``finance_recheck``, ``publish``, ``close_notice``, ``award``, ``reject`` (with a
    ``note``), ``withdraw``."""

    event = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    panel = fields.List(fields.Nested(PanelMemberIn), load_default=None, validate=validate.Length(max=50))
    site_visit = fields.Nested(SiteVisitIn, load_default=None)
    verdict = fields.String(load_default=None, validate=validate.OneOf(["pass", "fail"]))
    proposed_subsidy = YuanField(load_default=None)
    objection_id = fields.Integer(load_default=None, strict=True, metadata={
        "description": "resolve_objection: the objection to the notice decided"})
    decision = fields.String(load_default=None, validate=validate.OneOf(["dismiss", "uphold"]))


class ApplicationAcceptanceIn(Schema):
    """``POST /applications/{id}/acceptances``: the enterprise applies for the acceptance of the awarded work
    (the final acceptance of its subsidy agreement), with its materials."""

    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    document_ids = fields.List(fields.Integer(strict=True), load_default=list, validate=validate.Length(max=100))


class SubsidyIn(Schema):
    """``POST /applications/{id}/payments``: the subsidy to pay (kind ``subsidy``), with its evidence."""

    amount = YuanField(required=True)
    volume_report_id = fields.Integer(strict=True, load_default=None, allow_none=True, metadata={
        "description": "a per-unit subsidy: the verified volume report it pays (issue 20 item 4); its `due` is "
                       "the most it may be"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    document_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)), load_default=list,
                               validate=validate.Length(max=100))
