"""An objection from the public to a notice (SPEC §9, §11.1 ``{"name"?, "contact", "content"}``), size-limited.

The API and the public page both hand what was sent to
:func:`disburse.services.acceptances.file_objection`, which counts the attempt against the client's
address before it loads it with this schema, so a refused objection counts like any other (issue 14).
"""

from marshmallow import Schema, fields, validate


class ObjectionIn(Schema):
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    contact = fields.String(required=True, validate=validate.Length(min=1, max=128))
    content = fields.String(required=True, validate=validate.Length(min=1, max=2000))
