"""Payments (SPEC §5.3, §11.1): request on a contract, step through verify/approve/disburse.

``Idempotency-Key`` on the request and on every step: the first response is
returned again for the same request; another request under the same key is a 409.
"""

from typing import Any

from flask import g, request
from flask_smorest import Blueprint

from disburse.api.common import db, localised, now
from disburse.api.schemas import (
    EventExplanation,
    PageArgs,
    PaymentEvent,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    ProjectLedger,
    QueuePage,
)
from disburse.api.security import current_actor
from disburse.services import idempotency, payments

blp = Blueprint("api_payments", __name__, description="Gated payments (SPEC §5.3)")

IDEMPOTENCY_KEY = {"parameters": [{"in": "header", "name": "Idempotency-Key", "required": False,
                                    "description": "replays return the first response (SPEC §11.1)",
                                    "schema": {"type": "string", "maxLength": 255}}]}
#: A deputy reads and acts as the principal of a delegation in force (代理, issue 21 item 2); any operation takes it.
ON_BEHALF_OF = {"parameters": [{"in": "header", "name": "On-Behalf-Of", "required": False,
                                "description": "under a delegation in force: the principal's username; the request "
                                               "reads and acts within their role and jurisdiction, and the audit log "
                                               "names both (代理)",
                                "schema": {"type": "string", "maxLength": 64}}]}


def request_idem() -> idempotency.Idem | None:
    return idempotency.make(request.headers.get("Idempotency-Key"), request.method, request.path,
                            request.get_json(silent=True), render=PaymentOut().dump)


@blp.post("/contracts/<int:contract_id>/payments")
@blp.arguments(PaymentIn)
@blp.response(201, PaymentOut)
@blp.doc(**IDEMPOTENCY_KEY)
def request_payment(body: dict[str, Any], contract_id: int) -> tuple[Any, int]:
    status, view = payments.request_payment(db(), current_actor(), g.origin, contract_id, body, request_idem(),
                                            now=now())
    return view, status


@blp.get("/contracts/<int:contract_id>/payments")
@blp.response(200, PaymentPage)
def list_for_contract(contract_id: int) -> dict[str, Any]:
    return payments.list_payments(db(), current_actor(), contract_id, now())


@blp.get("/payments/queue")
@blp.arguments(PageArgs, location="query")
@blp.response(200, QueuePage)
@blp.doc(**ON_BEHALF_OF)
def queue(args: dict[str, Any]) -> dict[str, Any]:
    """Payments waiting for my step (commerce: verify; finance: approve, disburse), oldest first."""
    return payments.approval_queue(db(), current_actor(), **args, now=now())


@blp.get("/payments/<int:payment_id>")
@blp.response(200, PaymentOut)
def get(payment_id: int) -> Any:
    return payments.get_payment(db(), current_actor(), payment_id, now())


@blp.get("/payments/<int:payment_id>/events/<event>")
@blp.response(200, EventExplanation)
def explain(payment_id: int, event: str) -> dict[str, Any]:
    return localised(payments.explain_event(db(), current_actor(), payment_id, event))


@blp.post("/payments/<int:payment_id>/events")
@blp.arguments(PaymentEvent)
@blp.response(200, PaymentOut)
@blp.doc(**IDEMPOTENCY_KEY)
def fire(body: dict[str, Any], payment_id: int) -> tuple[Any, int]:
    event = body.pop("event")
    status, view = payments.fire_event(db(), current_actor(), g.origin, payment_id, event, body, request_idem(),
                                       now=now())
    return view, status


@blp.get("/projects/<int:project_id>/ledger")
@blp.response(200, ProjectLedger)
def ledger(project_id: int) -> dict[str, Any]:
    return payments.project_ledger(db(), current_actor(), project_id)
