"""User administration for the admin role (issue 18): list, read, create, reset, disable, enable.

Every rule is in :mod:`disburse.services.users`; this blueprint parses and answers.
"""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.schemas import UserAdministered, UserOut, UserPage
from disburse.api.security import current_actor
from disburse.schemas.users import UserEventIn, UserIn, UserListArgs
from disburse.services import users

blp = Blueprint("api_users", __name__, description="User administration (the admin role)")


@blp.get("")
@blp.arguments(UserListArgs, location="query")
@blp.response(200, UserPage)
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """The users in my jurisdiction, by region; ``region`` narrows to a subtree."""
    return users.list_users(db(), current_actor(), **args)


@blp.post("")
@blp.arguments(UserIn)
@blp.response(201, UserAdministered)
def create(body: dict[str, Any]) -> dict[str, Any]:
    """Create a user in my jurisdiction; without ``password`` a temporary one is answered, once."""
    return users.administer_create(db(), current_actor(), g.origin, body, now())


@blp.get("/<int:user_id>")
@blp.response(200, UserOut)
def get(user_id: int) -> dict[str, Any]:
    return users.get_user(db(), current_actor(), user_id)


@blp.post("/<int:user_id>/events")
@blp.arguments(UserEventIn)
@blp.response(200, UserAdministered)
def fire(body: dict[str, Any], user_id: int) -> dict[str, Any]:
    """``reset_password`` (the new temporary password is answered once), ``disable`` or ``enable``."""
    return users.administer(db(), current_actor(), g.origin, user_id, body["event"], note=body["note"], now=now())
