"""Delegation while away (代理, issue 21 item 2).

``POST /api/v1/me/delegations`` hands the caller's work to a deputy of the same county for a half-open period;
``GET /api/v1/me/delegations`` lists those given and received; ``POST /api/v1/me/delegations/{id}/revoke`` (or
``DELETE``) ends one now; ``GET /api/v1/delegations`` is every delegation, for the administrator, who may end
any with ``POST /api/v1/delegations/{id}/revoke``.
"""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.security import current_actor
from disburse.schemas.delegation import DelegationIn, DelegationList, DelegationOut, MyDelegations
from disburse.services import delegations

blp = Blueprint("api_delegations", __name__, description="Delegation while away (代理)")


@blp.get("/me/delegations")
@blp.response(200, MyDelegations)
def mine() -> dict[str, Any]:
    return delegations.mine(db(), current_actor(), now(), g.origin.lang)


@blp.post("/me/delegations")
@blp.arguments(DelegationIn)
@blp.response(201, DelegationOut)
@blp.doc(responses={"403": "FORBIDDEN", "409": "CONFLICT"})  # a role that may not delegate; a chain, an overlap
def give(body: dict[str, Any]) -> dict[str, Any]:
    """Hand your work to ``to`` over ``[from, until)``: a commerce or finance official or a leading-group member
    names another of the same county, who acts within your role and jurisdiction meanwhile. Both are named in
    every entry of the audit log; segregation of duties counts both."""
    return delegations.give(db(), current_actor(), g.origin, body, now(), g.origin.lang)


@blp.post("/me/delegations/<int:delegation_id>/revoke")
@blp.response(200, DelegationOut)
@blp.doc(responses={"409": "CONFLICT"})  # already ended
def revoke(delegation_id: int) -> dict[str, Any]:
    """End a delegation now (its principal, or its deputy, who can no longer cover)."""
    return delegations.revoke(db(), current_actor(), g.origin, delegation_id, now(), g.origin.lang)


@blp.delete("/me/delegations/<int:delegation_id>")
@blp.response(200, DelegationOut)
@blp.doc(responses={"409": "CONFLICT"})  # already ended
def delete(delegation_id: int) -> dict[str, Any]:
    """The same as ``POST …/revoke``: the delegation ends now and stays on record."""
    return delegations.revoke(db(), current_actor(), g.origin, delegation_id, now(), g.origin.lang)


@blp.post("/delegations/<int:delegation_id>/revoke")
@blp.response(200, DelegationOut)
def revoke_any(delegation_id: int) -> dict[str, Any]:
    """The administrator ends any delegation in their jurisdiction now."""
    return delegations.revoke(db(), current_actor(), g.origin, delegation_id, now(), g.origin.lang, as_admin=True)


@blp.get("/delegations")
@blp.response(200, DelegationList)
def every() -> dict[str, Any]:
    """Every delegation in the administrator's jurisdiction, newest first."""
    return {"items": delegations.every(db(), current_actor(), now(), g.origin.lang)}
