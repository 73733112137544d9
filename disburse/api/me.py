"""``GET /api/v1/me``: the current user."""

from typing import Any

from flask_smorest import Blueprint

from disburse.api.schemas import MeOut
from disburse.api.security import current_actor

blp = Blueprint("api_me", __name__, description="The current user")


@blp.get("")
@blp.response(200, MeOut)
def me() -> dict[str, Any]:
    actor = current_actor()
    return {"id": actor.id, "username": actor.username, "role": actor.role,
            "region": actor.region_code, "contractor": actor.contractor_code}
