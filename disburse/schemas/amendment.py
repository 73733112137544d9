"""What comes with a plan amendment and a record of funds arrived (issue 16): the API and the pages load
them with the same schemas."""

from marshmallow import Schema, fields, validate

from disburse.schemas.delegation import OnBehalf
from disburse.schemas.fields import DateField, YuanField


class AmendmentIn(Schema):
    """``POST /projects/{id}/amendments``: the whole new plan and why."""

    plan = fields.Dict(required=True, metadata={"description": "a whole plan document (SPEC §11.3)"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class AmendmentEventIn(OnBehalf):
    """``POST /amendments/{id}/events``: approve, reject (with a note) or withdraw."""

    event = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class AllocationIn(Schema):
    """``POST /projects/{id}/allocations``: funds arrived (资金下达/到位)."""

    doc_no = fields.String(required=True, validate=validate.Length(min=1, max=128),
                           metadata={"example": "新财建〔2020〕12号"})
    source = fields.String(required=True, validate=validate.Length(min=1, max=255))
    amount = YuanField(required=True)
    arrived_on = DateField(required=True)
