"""Request and response schemas of the HTTP API (documented in the OpenAPI document)."""

from marshmallow import Schema, fields, validate

from disburse.schemas.fields import QuantityField, YuanField

TENDER_METHODS = ["open", "invited", "competitive_negotiation", "competitive_consultation",
                  "single_source", "inquiry"]
PACKAGING = ["whole", "by_region", "by_item"]  # seed 004 §5(2)


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Schema):
    token = fields.String(required=True)
    expires_at = fields.String(required=True)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class ProjectListArgs(PageArgs):
    state = fields.String(load_default=None)
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))


class TargetActual(Schema):
    name = fields.String(required=True)
    actual = QuantityField(required=True)


class ProjectEvent(Schema):
    """``POST /projects/{id}/events``: the event and its data (SPEC §5.1)."""

    event = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    method = fields.String(load_default=None, validate=validate.OneOf(TENDER_METHODS))
    packaging = fields.String(load_default=None, validate=validate.OneOf(PACKAGING))
    announced_on = fields.Date(load_default=None)
    reference = fields.String(load_default=None, validate=validate.Length(max=128))
    evaluator = fields.String(load_default=None, validate=validate.Length(max=255))
    targets = fields.List(fields.Nested(TargetActual), load_default=None)
    amount = YuanField(load_default=None)
    recovered_on = fields.Date(load_default=None)
    document_id = fields.Integer(load_default=None)


class Label(Schema):
    zh = fields.String()
    en = fields.String()


class RegionRef(Schema):
    code = fields.String()
    name = fields.String()


class Line(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    category = fields.String()
    item = fields.String()
    amount = fields.String(allow_none=True, metadata={"description": "yuan, exact"})
    tags = fields.List(fields.String())
    responsible = fields.List(fields.String())
    cooperating = fields.List(fields.String())
    deadline = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ProjectSummary(Schema):
    id = fields.Integer()
    name = fields.String()
    region = fields.Nested(RegionRef)
    rule_set = fields.String()
    state = fields.String()
    state_label = fields.Nested(Label)
    total = fields.String()
    total_wan = fields.String()


class ProjectOut(ProjectSummary):
    doc_no = fields.String(allow_none=True)
    previous_state = fields.String(allow_none=True)
    lines_total = fields.String()
    contracted = fields.String()
    disbursed = fields.String()
    surplus = fields.String()
    period = fields.Dict()
    funding = fields.List(fields.Dict())
    phases = fields.List(fields.Dict())
    subtotals = fields.Dict(keys=fields.String(), values=fields.String())
    lines = fields.List(fields.Nested(Line))
    targets = fields.List(fields.Dict())
    tender = fields.Dict(allow_none=True)
    allowed_events = fields.List(fields.String())
    created_at = fields.String()
    updated_at = fields.String()


def page_of(item: type[Schema]) -> type[Schema]:
    """A page of ``item``: ``{"items", "page", "per_page", "total"}``."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item)), "page": fields.Integer(),
         "per_page": fields.Integer(), "total": fields.Integer()},
        name=f"{item.__name__}Page",
    )


ProjectPage = page_of(ProjectSummary)


class UnmetOut(Schema):
    code = fields.String()
    message = fields.String()
    message_zh = fields.String()
    message_en = fields.String()
    clause = fields.String()


class EventExplanation(Schema):
    event = fields.String()
    label = fields.Nested(Label)
    allowed = fields.Boolean()
    unmet = fields.List(fields.Nested(UnmetOut))
    requires = fields.List(fields.String())
    roles = fields.List(fields.String())
    clause = fields.String()


class AuditEntryOut(Schema):
    seq = fields.Integer()
    at = fields.String()
    actor = fields.Dict()
    action = fields.String()
    entity_type = fields.String(allow_none=True)
    entity_id = fields.String(allow_none=True)
    project_id = fields.Integer(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    data = fields.Dict()
    note = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    client_addr = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


AuditPage = page_of(AuditEntryOut)


class AuditVerifyOut(Schema):
    ok = fields.Boolean()
    entries = fields.Integer()
    head = fields.String(allow_none=True)
    first_broken = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


class MeOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    region = fields.String()
    contractor = fields.String(allow_none=True)


class Problem(Schema):
    """``application/problem+json`` (RFC 9457) as every error of the API is answered."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    unmet = fields.List(fields.Nested(UnmetOut))
    request_id = fields.String()
