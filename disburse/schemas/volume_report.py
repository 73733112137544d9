"""What comes with a volume report and its events (issue 20 item 4; seed 001 §5(4)3): the API loads them with
these schemas."""

from marshmallow import Schema, fields, validate

from disburse.schemas.delegation import OnBehalf
from disburse.schemas.fields import MonthField

#: a month's volume: whole units, at most a billion (a county's orders in a month are far fewer)
_VOLUME = validate.Range(min=0, max=10**9)


class VolumeReportIn(Schema):
    """``POST /applications/{id}/volume-reports``: the month, the units delivered in it, the evidence."""

    month = MonthField(required=True)
    volume = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=10**9),
                            metadata={"description": "units delivered in the month (订单数), more than zero"})
    document_ids = fields.List(fields.Integer(strict=True), load_default=list, validate=validate.Length(max=100),
                               metadata={"description": "the evidence: documents of the project; at least one"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class VolumeReportEventIn(OnBehalf):
    """``POST /volume-reports/{id}/events``: ``verify`` (``verified_volume``, ``note``) or ``reject`` (``note``)."""

    event = fields.String(required=True)
    verified_volume = fields.Integer(strict=True, load_default=None, allow_none=True, validate=_VOLUME,
                                     metadata={"description": "verify: the units verified, at most those reported"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
