"""Acceptances (SPEC §5.2, §11.1): apply, read, explain and fire events."""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, localised, now
from disburse.api.schemas import AcceptanceEvent, AcceptanceIn, AcceptanceOut, AcceptancePage, EventExplanation
from disburse.api.security import current_actor
from disburse.services import acceptances

blp = Blueprint("api_acceptances", __name__, description="Acceptance with public notice (SPEC §5.2)")


@blp.post("/contracts/<int:contract_id>/acceptances")
@blp.arguments(AcceptanceIn)
@blp.response(201, AcceptanceOut)
def apply(body: dict[str, Any], contract_id: int) -> Any:
    actor = current_actor()
    return acceptances.apply(db(), actor, g.origin, contract_id, body, now())


@blp.get("/contracts/<int:contract_id>/acceptances")
@blp.response(200, AcceptancePage)
def list_for_contract(contract_id: int) -> dict[str, Any]:
    return acceptances.list_acceptances(db(), current_actor(), contract_id, now())


@blp.get("/acceptances/<int:acceptance_id>")
@blp.response(200, AcceptanceOut)
def get(acceptance_id: int) -> Any:
    return acceptances.get_acceptance(db(), current_actor(), acceptance_id, now())


@blp.get("/acceptances/<int:acceptance_id>/events/<event>")
@blp.response(200, EventExplanation)
def explain(acceptance_id: int, event: str) -> dict[str, Any]:
    return localised(acceptances.explain_event(db(), current_actor(), acceptance_id, event, now()))


@blp.post("/acceptances/<int:acceptance_id>/events")
@blp.arguments(AcceptanceEvent)
@blp.response(200, AcceptanceOut)
def fire(body: dict[str, Any], acceptance_id: int) -> Any:
    event = body.pop("event")
    return acceptances.fire_event(db(), current_actor(), g.origin, acceptance_id, event, body, now())
