"""``POST /api/v1/auth/tokens``: a bearer token for a username and password (SPEC §11.1)."""

from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint

from disburse.api.schemas import TokenRequest, TokenResponse
from disburse.inputs import checks_own_text
from disburse.services import users

blp = Blueprint("api_auth", __name__, description="Authentication")


@blp.post("/tokens")
@blp.arguments(TokenRequest)
@blp.response(201, TokenResponse)
@blp.alt_response(401, description="wrong username or password")
@blp.alt_response(429, description="too many failed logins for this account or from this address: locked out for a "
                  "while, the right password included (Retry-After says how long; docs/security.md)")
@blp.doc(security=[])
@checks_own_text
def create_token(body: dict[str, Any]) -> dict[str, str]:
    db = current_app.extensions["disburse.db"]
    actor = users.authenticate(db, body["username"], body["password"], g.origin,
                               now=current_app.extensions["disburse.clock"].now(),
                               throttle=current_app.extensions["disburse.login_throttle"])
    token, expires = users.issue_token(db, actor, current_app.config["TOKEN_LIFETIME"],
                                       current_app.extensions["disburse.clock"].now())
    return {"token": token, "expires_at": expires.isoformat()}
