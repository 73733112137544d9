"""``POST /api/v1/auth/tokens``: a bearer token for a username and password (SPEC §11.1)."""

from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint

from disburse.api.schemas import TokenRequest, TokenResponse
from disburse.services import users

blp = Blueprint("api_auth", __name__, description="Authentication")


@blp.post("/tokens")
@blp.arguments(TokenRequest)
@blp.response(201, TokenResponse)
@blp.alt_response(401, description="wrong username or password")
def create_token(body: dict[str, Any]) -> dict[str, str]:
    db = current_app.extensions["disburse.db"]
    actor = users.authenticate(db, body["username"], body["password"], g.origin)
    token, expires = users.issue_token(db, actor, current_app.config["TOKEN_LIFETIME"])
    return {"token": token, "expires_at": expires.isoformat()}
