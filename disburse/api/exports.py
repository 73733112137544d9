"""Excel downloads (issue 9): ``GET /projects/{id}/plan.xlsx``, ``/projects/{id}/ledger.xlsx`` and
``/reports/monthly.xlsx?month=YYYY-MM&region=CODE``, authorised like the objects they contain."""

from io import BytesIO
from typing import Any

from flask import Response, send_file
from flask_smorest import Blueprint
from marshmallow import fields, validate

from disburse.api.common import db, now
from disburse.api.schemas import LateArgs
from disburse.api.security import current_actor
from disburse.excel.cells import XLSX
from disburse.services import exports

blp = Blueprint("api_exports", __name__, description="Excel downloads: plan, payment ledger, monthly reports")

WORKBOOK = {"responses": {"200": {"description": "an .xlsx workbook (docs/excel.md)",
                                  "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}}


class MonthlyArgs(LateArgs):
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$", error="a 6-digit region code"),
                           metadata={"description": "a county or prefecture in your jurisdiction (default: yours)"})


def _send(data: bytes, name: str) -> Response:
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


@blp.get("/projects/<int:project_id>/plan.xlsx")
@blp.doc(**WORKBOOK)
def plan(project_id: int) -> Response:
    """The project's plan in the budget-table layout (seed 000 §7) that ``plans import`` reads back."""
    return _send(exports.plan_xlsx(db(), current_actor(), project_id), f"project-{project_id}-plan.xlsx")


@blp.get("/projects/<int:project_id>/ledger.xlsx")
@blp.doc(**WORKBOOK)
def ledger(project_id: int) -> Response:
    """The payment ledger per contract (the figures of ``GET /projects/{id}/ledger``) and every payment."""
    return _send(exports.ledger_xlsx(db(), current_actor(), project_id), f"project-{project_id}-ledger.xlsx")


@blp.get("/reports/monthly.xlsx")
@blp.arguments(MonthlyArgs, location="query")
@blp.doc(**WORKBOOK)
def monthly(args: dict[str, Any]) -> Response:
    """A county's or prefecture's monthly progress reports with their status and text (seed 004 §8(1)3)."""
    data = exports.monthly_xlsx(db(), current_actor(), args["month"], args["region"], now())
    return _send(data, f"reports-{args['region'] or 'mine'}-{args['month'] or 'current'}.xlsx")
