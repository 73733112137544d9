"""What an administrator sends to manage users (issue 18): the API and the pages load the same schemas."""

from typing import Any

from marshmallow import Schema, fields, validate

from disburse.domain.roles import Role

ROLES = [role.value for role in Role]
#: What a missing field is told, in both languages (the page shows it beside the field).
REQUIRED: dict[str, Any] = {"required": "required (必填)"}
#: What an administrator may do to a user (``POST /users/{id}/events``).
USER_EVENTS = ["reset_password", "disable", "enable"]


class UserIn(Schema):
    """``POST /users``: a new user with one role and one region (a contractor user: its company's credit code).

    Without a password the service makes a temporary one and answers it once."""

    username = fields.String(required=True, error_messages=REQUIRED, validate=validate.Regexp(
        r"^[^\s]{2,64}$", error="2 to 64 characters without spaces (2至64个字符，不含空格)"),
        metadata={"example": "xp-finance-2"})
    role = fields.String(required=True, error_messages=REQUIRED, validate=validate.OneOf(ROLES),
                         metadata={"enum": ROLES})
    region = fields.String(required=True, error_messages=REQUIRED, validate=validate.Regexp(
        r"^\d{6}$", error="a 6-digit region code (6位行政区划代码)"), metadata={"example": "350921"})
    contractor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=18),
                               metadata={"description": "the company's unified social credit code (contractor users)"})
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=255))
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=8, max=256),
                             metadata={"description": "the first password; omitted: a temporary one is made"})


class UserEventIn(Schema):
    """``POST /users/{id}/events``: reset the password, disable or enable the user."""

    event = fields.String(required=True, validate=validate.OneOf(USER_EVENTS), metadata={"enum": USER_EVENTS})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class UserListArgs(Schema):
    """``GET /users``: filters and page."""

    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"),
                           metadata={"description": "the region's subtree"})
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    active = fields.Boolean(load_default=None, allow_none=True)
    q = fields.String(load_default=None, validate=validate.Length(max=64),
                      metadata={"description": "part of the username"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
