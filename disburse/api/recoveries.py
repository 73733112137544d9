"""Recoveries from any state (资金收回, issue 17): order or propose, confirm or dismiss, record receipts."""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, localised, now
from disburse.api.schemas import EventExplanation, RecoveryOut
from disburse.api.security import current_actor
from disburse.schemas.recovery import RecoveryEventIn, RecoveryIn
from disburse.services import recoveries

blp = Blueprint("api_recoveries", __name__, description="Recoveries: orders to recover funds, and their receipts")


@blp.post("/projects/<int:project_id>/recoveries")
@blp.arguments(RecoveryIn)
@blp.response(201, RecoveryOut)
def order(body: dict[str, Any], project_id: int) -> Any:
    """Order a recovery (the supervisor or finance) or propose one (an inspector), in any state of the project
    after its first disbursement, ``closed`` included."""
    return recoveries.order(db(), current_actor(), g.origin, project_id, body, now())


@blp.get("/projects/<int:project_id>/recoveries")
@blp.response(200, RecoveryOut(many=True))
def list_for_project(project_id: int) -> Any:
    return recoveries.list_recoveries(db(), current_actor(), project_id)


@blp.get("/recoveries/<int:recovery_id>")
@blp.response(200, RecoveryOut)
def get(recovery_id: int) -> Any:
    """The recovery with its receipts and what is still outstanding."""
    return recoveries.get_recovery(db(), current_actor(), recovery_id, now())


@blp.get("/recoveries/<int:recovery_id>/events/<event>")
@blp.response(200, EventExplanation)
def explain(recovery_id: int, event: str) -> dict[str, Any]:
    """May I ``confirm_order``, ``dismiss`` or ``record_receipt`` now, and if not, why — changing nothing."""
    return localised(recoveries.explain_event(db(), current_actor(), recovery_id, event, now()))


@blp.post("/recoveries/<int:recovery_id>/events")
@blp.arguments(RecoveryEventIn)
@blp.response(200, RecoveryOut)
def fire(body: dict[str, Any], recovery_id: int) -> Any:
    """``confirm_order`` or ``dismiss`` (with a ``note``) a proposal (the supervisor or finance);
    ``record_receipt`` (finance: ``amount``, ``received_on``, ``voucher_no``)."""
    event = body.pop("event")
    return recoveries.fire_event(db(), current_actor(), g.origin, recovery_id, event, body, now())
