"""Projects: create from a plan, list, read, explain and fire events (SPEC §11.1)."""

from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from disburse.api.common import db, localised, now
from disburse.api.schemas import (
    AuditPage,
    EventExplanation,
    PageArgs,
    ProjectEvent,
    ProjectListArgs,
    ProjectOut,
    ProjectPage,
    ReportIn,
    ReportOut,
    ReportPage,
    VersionArgs,
    VersionOut,
)
from disburse.api.security import current_actor
from disburse.domain.plan import Plan
from disburse.excel.cells import XLSX
from disburse.excel.plan import import_plan_workbook
from disburse.schemas import flatten_errors
from disburse.schemas.plan import load_plan
from disburse.services import projects, reports
from disburse.services.errors import Forbidden, Invalid

blp = Blueprint("api_projects", __name__, description="Projects and their workflow (SPEC §5.1)")


@blp.post("")
@blp.response(201, ProjectOut)
@blp.doc(requestBody={"content": {"application/json": {"schema": {"type": "object"}}},
                      "description": "a plan document (SPEC §11.3)"})
def create_project() -> Any:
    actor = current_actor()
    plan, source = plan_sent()
    project_id = projects.create_project(db(), actor, g.origin, plan, source, now=now())
    return projects.get_project(db(), actor, project_id)


class WorkbookArgs(Schema):
    """What a workbook with only the budget table lacks (docs/excel.md)."""

    name = fields.String(load_default=None, validate=validate.Length(min=1, max=255))
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    rule_set = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class ImportOut(Schema):
    project = fields.Nested(ProjectOut)
    warnings = fields.List(fields.String(), metadata={"description": "sums that disagree, by cell (C7：合计 …)"})
    untagged = fields.List(fields.String(), metadata={"description": "the cells of the lines left without a tag"})
    defaults = fields.List(fields.String(), metadata={"description": "what was filled in (a funding source)"})


@blp.post("/import")
@blp.arguments(WorkbookArgs, location="query")
@blp.response(201, ImportOut)
@blp.doc(requestBody={"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                      "description": "an .xlsx budget table: the exporter's or a county's own (docs/excel.md)"})
def import_workbook(args: dict[str, Any]) -> Any:
    """Create a project in ``plan_drafted`` from a workbook. Lines whose words name no sure tag stay
    untagged (``file`` is refused until they are tagged); the response lists them by cell, with the sums
    that disagree and the defaults filled in, in the request's language."""
    actor = current_actor()
    if actor.role not in projects.PLAN_AUTHORS:
        raise Forbidden("only the commerce bureau imports a plan (只有商务部门可导入实施方案)", audit=True)
    if request.mimetype != XLSX:
        raise Invalid("send the workbook as the body, Content-Type " + XLSX + " (请以 .xlsx 工作簿为请求体)",
                      {"file": ["not an .xlsx workbook (不是 .xlsx 工作簿)"]})
    try:
        result = import_plan_workbook(request.get_data(), **args, lang=g.origin.lang)
    except ValidationError as exc:
        raise Invalid("the plan is invalid (方案有误)", flatten_errors(exc.messages)) from None
    project_id = projects.create_project(db(), actor, g.origin, result.plan, result.source, now=now())
    return {"project": projects.get_project(db(), actor, project_id), "warnings": list(result.warnings),
            "untagged": list(result.untagged), "defaults": list(result.defaults)}


def plan_sent(document: Any = None) -> tuple[Plan, dict[str, Any]]:
    """The plan document of the request (or ``document``), validated: 422 with field errors otherwise."""
    try:
        return load_plan(request.get_json() if document is None else document)
    except ValidationError as exc:
        raise Invalid("the plan is invalid (方案有误)", flatten_errors(exc.messages)) from None


@blp.put("/<int:project_id>/plan")
@blp.response(200, ProjectOut)
@blp.doc(requestBody={"content": {"application/json": {"schema": {"type": "object"}}},
                      "description": "a whole plan document (SPEC §11.3); lines keep their ``id`` to stay the same "
                                     "line; a draft may leave amounts and tags out"})
def edit_plan(project_id: int) -> Any:
    """Replace the plan of a draft (``plan_drafted``); 409 once it is filed (amend it instead)."""
    return projects.edit_plan(db(), current_actor(), g.origin, project_id, plan_sent()[0], now=now())


@blp.delete("/<int:project_id>")
@blp.response(204)
def withdraw(project_id: int) -> None:
    """Withdraw a draft that was never filed: it leaves the lists; its history stays in the audit log."""
    projects.withdraw_draft(db(), current_actor(), g.origin, project_id, now=now())


@blp.get("/<int:project_id>/versions")
@blp.response(200, VersionOut(many=True))
def list_versions(project_id: int) -> Any:
    """Every version of the plan: the first as drafted and filed, one more per approved amendment."""
    return projects.versions(db(), current_actor(), project_id)


@blp.get("")
@blp.arguments(ProjectListArgs, location="query")
@blp.response(200, ProjectPage)
def list_projects(args: dict[str, Any]) -> dict[str, Any]:
    return projects.list_projects(db(), current_actor(), **args)


@blp.get("/<int:project_id>")
@blp.arguments(VersionArgs, location="query")
@blp.response(200, ProjectOut)
def get_project(args: dict[str, Any], project_id: int) -> Any:
    """The project; ``?version=N`` shows its plan as version N had it."""
    return projects.get_project(db(), current_actor(), project_id, args.get("version"))


@blp.get("/<int:project_id>/events/<event>")
@blp.response(200, EventExplanation)
def explain_event(project_id: int, event: str) -> dict[str, Any]:
    return localised(projects.explain_event(db(), current_actor(), project_id, event))


@blp.post("/<int:project_id>/events")
@blp.arguments(ProjectEvent)
@blp.response(200, ProjectOut)
def fire_event(body: dict[str, Any], project_id: int) -> Any:
    event = body.pop("event")
    return projects.fire_event(db(), current_actor(), g.origin, project_id, event, body, now=now())


@blp.get("/<int:project_id>/audit")
@blp.arguments(PageArgs, location="query")
@blp.response(200, AuditPage)
def project_audit(args: dict[str, Any], project_id: int) -> dict[str, Any]:
    return projects.project_audit(db(), current_actor(), project_id, **args)


@blp.post("/<int:project_id>/reports")
@blp.arguments(ReportIn)
@blp.response(201, ReportOut)
def submit_report(body: dict[str, Any], project_id: int) -> dict[str, Any]:
    """Submit the monthly progress report (进度月报, seed 004 §8(1)3); one per project and month."""
    return reports.submit(db(), current_actor(), g.origin, project_id, body["month"], body["text"], now())


@blp.get("/<int:project_id>/reports")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ReportPage)
def list_reports(args: dict[str, Any], project_id: int) -> dict[str, Any]:
    return reports.list_reports(db(), current_actor(), project_id, **args)
