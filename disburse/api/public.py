"""What the public may read and do without a login (SPEC §9): disclosed projects, objections to a notice."""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.schemas import (
    ObjectionCreated,
    ObjectionIn,
    PublicProjectArgs,
    PublicProjectOut,
    PublicProjectPage,
)
from disburse.services import acceptances, disclosure

blp = Blueprint("api_public", __name__, description="Public disclosure and objections, no login (SPEC §9)")


@blp.post("/notices/<int:notice_id>/objections")
@blp.arguments(ObjectionIn)
@blp.response(201, ObjectionCreated)
@blp.doc(security=[])
def object_to_notice(body: dict[str, Any], notice_id: int) -> dict[str, Any]:
    received = now()
    objection_id = acceptances.file_objection(db(), g.origin, notice_id, body, received)
    return {"id": objection_id, "notice_id": notice_id, "received_at": received.isoformat()}


@blp.get("/projects")
@blp.arguments(PublicProjectArgs, location="query")
@blp.response(200, PublicProjectPage)
@blp.doc(security=[])
def public_projects(args: dict[str, Any]) -> dict[str, Any]:
    """Disclosed projects (every project past its draft plan), newest first."""
    return disclosure.public_projects(db(), args["page"], args["per_page"], region=args["region"])


@blp.get("/projects/<int:project_id>")
@blp.response(200, PublicProjectOut)
@blp.doc(security=[])
def public_project(project_id: int) -> dict[str, Any]:
    """What SPEC §9 discloses about one project; 404 for a draft."""
    return disclosure.public_project(db(), project_id, now())
