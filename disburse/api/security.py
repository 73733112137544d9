"""Who is calling: a bearer token (API clients) or a login session (the browser)."""

import uuid

from flask import current_app, g, request
from flask_login import current_user

from disburse.services import users
from disburse.services.context import Actor, Origin
from disburse.services.errors import Unauthorized


def begin_request() -> None:
    """Give the request an id and an origin before anything else runs."""
    rid = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    lang = request.args.get("lang") or (
        "en" if (request.accept_languages.best_match(["zh", "en"]) == "en") else "zh"
    )
    g.request_id = rid
    g.origin = Origin(request_id=rid, client_addr=request.remote_addr, lang=lang if lang in ("zh", "en") else "zh")


def current_actor() -> Actor:
    """The authenticated actor, or 401."""
    actor = getattr(g, "actor", None)
    if actor is not None:
        return actor
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use 'Authorization: Bearer TOKEN'")
        actor = users.actor_for_token(current_app.extensions["disburse.db"], token.strip())
        if actor is None:
            raise Unauthorized("the token is invalid or has expired (令牌无效或已过期)")
    elif current_user.is_authenticated:
        actor = current_user.actor
    else:
        raise Unauthorized("log in first: POST /api/v1/auth/tokens (请先登录)")
    g.actor = actor
    return actor
