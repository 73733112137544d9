"""Plans before they are projects: the budget checks of a plan document (issue 18; ``disburse plans check``)."""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.projects import plan_sent
from disburse.api.schemas import PlanCheckOut
from disburse.api.security import current_actor
from disburse.services import plan_checks

blp = Blueprint("api_plans", __name__, description="Plan documents checked before they are filed (SPEC §5.1, §7)")


@blp.post("/check")
@blp.response(200, PlanCheckOut)
@blp.doc(requestBody={"content": {"application/json": {"schema": {"type": "object"}}},
                      "description": "a plan document (SPEC §11.3)"})
def check_plan() -> Any:
    """What ``file`` would refuse in the plan, rule by rule under its rule set: each check passed or failed with
    the refusals that break it and the rule's official clause. Nothing is stored; 422 if the document is not a
    plan at all."""
    checks = plan_checks.check_as(current_actor(), plan_sent()[0])
    lang = g.origin.lang
    return {"ok": all(check.passed for check in checks), "filing_clause": plan_checks.filing_clause(),
            "checks": [check.as_dict(lang) for check in checks]}
