"""What the public may do without a login (SPEC §9): object during a public notice."""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.schemas import ObjectionCreated, ObjectionIn
from disburse.services import acceptances

blp = Blueprint("api_public", __name__, description="Public disclosure and objections, no login (SPEC §9)")


@blp.post("/notices/<int:notice_id>/objections")
@blp.arguments(ObjectionIn)
@blp.response(201, ObjectionCreated)
@blp.doc(security=[])
def object_to_notice(body: dict[str, Any], notice_id: int) -> dict[str, Any]:
    received = now()
    objection_id = acceptances.file_objection(db(), g.origin, notice_id, body, received)
    return {"id": objection_id, "notice_id": notice_id, "received_at": received.isoformat()}
