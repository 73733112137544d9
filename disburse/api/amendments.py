"""Amendments of a filed plan (方案调整, issue 16) and the funds that arrive for it."""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.projects import plan_sent
from disburse.api.schemas import AllocationOut, AmendmentOut, FundsOut
from disburse.api.security import current_actor
from disburse.schemas.amendment import AllocationIn, AmendmentEventIn, AmendmentIn
from disburse.services import allocations, amendments

blp = Blueprint("api_amendments", __name__, description="Plans that live: amendments and funds arrived (issue 16)")


@blp.post("/projects/<int:project_id>/amendments")
@blp.arguments(AmendmentIn)
@blp.response(201, AmendmentOut)
def propose(body: dict[str, Any], project_id: int) -> Any:
    """Propose a new plan for a filed project, with the reason (commerce); the supervisor decides."""
    plan = plan_sent(body["plan"])[0]
    return amendments.propose(db(), current_actor(), g.origin, project_id, plan, body["reason"], now())


@blp.get("/projects/<int:project_id>/amendments")
@blp.response(200, AmendmentOut(many=True))
def list_for_project(project_id: int) -> Any:
    return amendments.list_amendments(db(), current_actor(), project_id, now())


@blp.get("/amendments/<int:amendment_id>")
@blp.response(200, AmendmentOut)
def get(amendment_id: int) -> Any:
    """The amendment: the plan proposed and what it changes against the version in force."""
    return amendments.get_amendment(db(), current_actor(), amendment_id, now())


@blp.post("/amendments/<int:amendment_id>/events")
@blp.arguments(AmendmentEventIn)
@blp.response(200, AmendmentOut)
def fire(body: dict[str, Any], amendment_id: int) -> Any:
    """``approve`` or ``reject`` (the supervisor; a rejection needs a ``note``), ``withdraw`` (its author)."""
    event = body.pop("event")
    return amendments.fire_event(db(), current_actor(), g.origin, amendment_id, event, body, now())


@blp.post("/projects/<int:project_id>/allocations")
@blp.arguments(AllocationIn)
@blp.response(201, AllocationOut)
def record_allocation(body: dict[str, Any], project_id: int) -> Any:
    """Record funds arrived for the project (资金到位; finance)."""
    return allocations.record(db(), current_actor(), g.origin, project_id, body, now())


@blp.get("/projects/<int:project_id>/allocations")
@blp.response(200, FundsOut)
def funds(project_id: int) -> Any:
    """Per funding source: budgeted, arrived, to come; every arrival."""
    return allocations.funds(db(), current_actor(), project_id)
