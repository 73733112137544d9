"""What a delegation carries (代理, issue 21 item 2), and the field by which a deputy says whom they act for."""

from marshmallow import Schema, fields, validate

from disburse.schemas.fields import MomentField, When


class DelegationIn(Schema):
    """``POST /api/v1/me/delegations``: hand your work to ``to`` over ``[from, until)``."""

    to = fields.String(required=True, validate=validate.Length(min=1, max=64),
                       metadata={"description": "the deputy's username: an official of the same county"})
    from_ = MomentField(data_key="from", attribute="from", load_default=None,
                        metadata={"description": "when it starts (default: now); a date is the start of that day, "
                                                 "Asia/Shanghai"})
    until = MomentField(required=True, metadata={"description": "when it ends, not included: until 2026-12-10 "
                                                                "covers up to the end of 9 December"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000),
                         metadata={"description": "why (e.g. 休假, 出差)"})


class OnBehalf(Schema):
    """Every event's optional ``on_behalf_of``: under a delegation, the principal a deputy acts for (their own
    username: in their own name). Left out, a deputy acts for the one principal whose role may fire the event."""

    on_behalf_of = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                                 metadata={"description": "the principal's username, under a delegation (代理)"})


class PersonOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    role_label = fields.String()


class DelegationOut(Schema):
    id = fields.Integer()
    principal = fields.Nested(PersonOut, metadata={"description": "who hands over their work"})
    to = fields.Nested(PersonOut, metadata={"description": "the deputy"})
    from_ = When(data_key="from", attribute="from")
    until = When(metadata={"description": "the end, not included"})
    note = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "scheduled | active | ended | revoked"})
    status_label = fields.String()
    created_at = When()
    revoked_at = When(allow_none=True)


class MyDelegations(Schema):
    given = fields.List(fields.Nested(DelegationOut), metadata={"description": "your work handed to a deputy"})
    received = fields.List(fields.Nested(DelegationOut), metadata={"description": "work handed to you"})


class DelegationList(Schema):
    items = fields.List(fields.Nested(DelegationOut))
