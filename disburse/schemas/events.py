"""What comes with a project event (SPEC §5.1, §11.1 ``POST /projects/{id}/events``): the API and the
pages load it with the same schema."""

from marshmallow import Schema, fields, validate

from disburse.schemas.delegation import OnBehalf
from disburse.schemas.fields import DateField, QuantityField, YuanField

TENDER_METHODS = ["open", "invited", "competitive_negotiation", "competitive_consultation",
                  "single_source", "inquiry"]
PACKAGING = ["whole", "by_region", "by_item"]  # seed 004 §5(2)


class TargetActual(Schema):
    name = fields.String(required=True)
    actual = QuantityField(required=True)


class ProjectEvent(OnBehalf):
    """``POST /projects/{id}/events``: the event and its data (SPEC §5.1)."""

    event = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    method = fields.String(load_default=None, validate=validate.OneOf(TENDER_METHODS))
    packaging = fields.String(load_default=None, validate=validate.OneOf(PACKAGING))
    announced_on = DateField(load_default=None)
    reference = fields.String(load_default=None, validate=validate.Length(max=128))
    evaluator = fields.String(load_default=None, validate=validate.Length(max=255))
    targets = fields.List(fields.Nested(TargetActual), load_default=None)
    amount = YuanField(load_default=None)
    document_id = fields.Integer(load_default=None)
