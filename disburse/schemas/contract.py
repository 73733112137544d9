"""A signed contract as it comes in (SPEC §4, §11.1 ``POST /projects/{id}/contracts``): the API and the
pages load it with the same schema."""

from marshmallow import Schema, fields, validate

from disburse.schemas.fields import AccountField, BankField, CreditCodeField, DateField, ShareField, YuanField


class Declarations(Schema):
    """Seed 003 §5(2)1: what an applicant declares."""

    independent_legal_person = fields.Boolean(load_default=False)
    sound_accounting = fields.Boolean(load_default=False)
    no_violation_3y = fields.Boolean(load_default=False)


class DeclarationDocuments(Schema):
    independent_legal_person = fields.Integer(load_default=None, allow_none=True)
    sound_accounting = fields.Integer(load_default=None, allow_none=True)
    no_violation_3y = fields.Integer(load_default=None, allow_none=True)


class ContractorIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    credit_code = CreditCodeField(required=True)
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{6}$"))
    declarations = fields.Nested(Declarations, load_default=dict)
    declaration_documents = fields.Nested(DeclarationDocuments, load_default=None, allow_none=True)


class StageIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    share = ShareField(required=True)


class ScheduleIn(Schema):
    advance = ShareField(required=True)
    stages = fields.List(fields.Nested(StageIn), load_default=list)
    final = ShareField(required=True)


class ContractIn(Schema):
    lot = fields.String(required=True, validate=validate.Length(min=1, max=255))
    contractor = fields.Nested(ContractorIn, required=True)
    amount = YuanField(required=True)
    signed_on = DateField(required=True)
    line_ids = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1))
    schedule = fields.Nested(ScheduleIn, required=True)
    #: where the money goes (issue 17): may be recorded later (``PUT /contracts/{id}/payee``); a payment is not
    #: disbursed without it
    payee_bank = BankField(load_default=None, allow_none=True)
    payee_account = AccountField(load_default=None, allow_none=True)
    #: the contract's own payment term after acceptance (≤ 60 days); None: the rule set's ``payment_due_days``
    payment_due_days = fields.Integer(load_default=None, allow_none=True, strict=True,
                                      validate=validate.Range(min=1, max=366))


class PayeeIn(Schema):
    """The payee's account recorded after signing (``PUT /contracts/{id}/payee``, issue 17)."""

    payee_bank = BankField(required=True)
    payee_account = AccountField(required=True)
