"""``GET /api/v1/reports/late``: whose monthly progress report is late (seed 004 §8(1)3; SPEC §10)."""

from typing import Any

from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.schemas import LateArgs, LateReports
from disburse.api.security import current_actor
from disburse.services import reports

blp = Blueprint("api_reports", __name__, description="Monthly progress reports across the jurisdiction")


@blp.get("/late")
@blp.arguments(LateArgs, location="query")
@blp.response(200, LateReports)
def late(args: dict[str, Any]) -> dict[str, Any]:
    """Every active project in the jurisdiction with its report for the month: submitted, pending or late."""
    return reports.late(db(), current_actor(), args["month"], now())
