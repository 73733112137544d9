"""What comes with a recovery order and its events (issue 17): the API and the pages load them with the
same schemas."""

from marshmallow import Schema, fields, validate

from disburse.domain.recovery_guards import BASES
from disburse.schemas.delegation import OnBehalf
from disburse.schemas.fields import DateField, YuanField


class RecoveryIn(Schema):
    """``POST /projects/{id}/recoveries``: the basis, the amount (fraud: everything, whatever is given), why."""

    basis = fields.String(required=True, validate=validate.OneOf(list(BASES)),
                          metadata={"description": " | ".join(BASES)})
    amount = YuanField(load_default=None, metadata={"description": "yuan; for fraud, everything disbursed is "
                                                                   "recovered and a smaller amount is refused"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    contract_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    document_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class RecoveryEventIn(OnBehalf):
    """``POST /recoveries/{id}/events``: ``confirm_order``, ``dismiss`` (with a note), ``record_receipt``."""

    event = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    amount = YuanField(load_default=None)
    received_on = DateField(load_default=None)
    voucher_no = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
