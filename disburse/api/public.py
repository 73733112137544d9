"""What the public may read and do without a login (SPEC §9): disclosed projects, objections to a notice."""

from typing import Any

from flask import current_app, g, request
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.schemas import (
    ObjectionCreated,
    PublicCall,
    PublicCallOut,
    PublicNoticeOut,
    PublicOpenNotices,
    PublicProjectArgs,
    PublicProjectOut,
    PublicProjectPage,
)
from disburse.inputs import checks_own_text
from disburse.schemas.objection import ObjectionIn
from disburse.services import acceptances, disclosure, ocds, pages
from disburse.services.errors import Invalid

blp = Blueprint("api_public", __name__, description="Public disclosure and objections, no login (SPEC §9)")


@blp.post("/notices/<int:notice_id>/objections")
@blp.response(201, ObjectionCreated)
@blp.doc(security=[], requestBody={"required": True, "content": {"application/json": {"schema": ObjectionIn}}})
@checks_own_text
def object_to_notice(notice_id: int) -> dict[str, Any]:
    """File an objection; at most five per client address in ten minutes, refused ones included (429)."""
    received = now()
    sent = request.get_json(force=True)  # the body is JSON whatever its declared type; malformed → 400
    if not isinstance(sent, dict):
        raise Invalid("the objection is invalid (异议内容有误)",
                      {"_body": ["a JSON object is expected (应为 JSON 对象)"]})
    objection_id = acceptances.file_objection(db(), g.origin, notice_id, sent, received,
                                              current_app.extensions["disburse.limits"])
    return {"id": objection_id, "notice_id": notice_id, "received_at": received.isoformat()}


@blp.get("/notices")
@blp.response(200, PublicOpenNotices)
@blp.doc(security=[])
def open_notices() -> dict[str, Any]:
    """The public notices running now, the soonest to end first: what the landing page lists first."""
    return pages.whole(disclosure.open_notices(db(), now()))


@blp.get("/notices/<int:notice_id>")
@blp.response(200, PublicNoticeOut)
@blp.doc(security=[])
def public_notice(notice_id: int) -> dict[str, Any]:
    """One notice of an acceptance result: the lines with their verdicts and accepted amounts and the proposed
    payment (拟补助资金); 404 when the project is not disclosed."""
    return disclosure.public_notice(db(), notice_id, now())


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


@blp.get("/calls")
@blp.response(200, PublicCall(many=True))
@blp.doc(security=[])
def public_calls() -> Any:
    """Every call for applications of a disclosed project, open ones first: its lines with their responsible
    units and deadlines, the money available, conditions, materials, deadline, the applications in notice with
    the proposed subsidy, the awards (recipient and amount) and the subsidies paid (公开公布项目申报通知; 公示)."""
    return disclosure.public_calls(db(), now())


@blp.get("/calls/<int:call_id>")
@blp.response(200, PublicCallOut)
@blp.doc(security=[])
def public_call(call_id: int) -> dict[str, Any]:
    """One call as the list shows it, with the supervision contact; 404 when its project is not disclosed."""
    return disclosure.public_call(db(), call_id, now())


def _ocds_options() -> dict[str, Any]:
    settings = current_app.extensions["disburse.settings"]
    return {"ocid_prefix": settings.ocid_prefix, "publisher": settings.ocds_publisher, "uri": request.url,
            "now": now()}


@blp.get("/projects/<int:project_id>/ocds")
@blp.response(200, description="An OCDS 1.1 release package: one release per disclosed change (docs/ocds.md)")
@blp.doc(security=[])
def public_project_ocds(project_id: int) -> dict[str, Any]:
    """The project's disclosure as an OCDS 1.1 release package (SPEC §9); 404 for a draft."""
    return ocds.project_package(db(), project_id, **_ocds_options())


@blp.get("/ocds")
@blp.response(200, description="One OCDS 1.1 release package with the releases of every disclosed project")
@blp.doc(security=[])
def public_ocds() -> dict[str, Any]:
    """Every disclosed project's releases in one OCDS 1.1 release package (the bulk file, docs/ocds.md)."""
    return ocds.bulk_package(db(), **_ocds_options())
