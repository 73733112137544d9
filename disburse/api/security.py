"""Who is calling: a bearer token (API clients) or a login session (the browser)."""

import re
import uuid

from flask import current_app, g, request
from flask_login import current_user

from disburse.services import delegations, users
from disburse.services.context import Actor, Origin
from disburse.services.errors import Forbidden, Unauthorized

#: A client's ``X-Request-Id`` is kept when it looks like one (it goes into audit entries), else replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def begin_request() -> None:
    """Give the request an id and an origin before anything else runs."""
    sent = request.headers.get("X-Request-Id", "")
    rid = sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    lang = request.args.get("lang") or (
        "en" if (request.accept_languages.best_match(["zh", "en"]) == "en") else "zh"
    )
    g.request_id = rid
    g.origin = Origin(request_id=rid, client_addr=request.remote_addr, lang=lang if lang in ("zh", "en") else "zh")


def read_in_one_transaction() -> None:
    """An API ``GET`` or ``HEAD`` reads its caller's token and its answer in one read transaction
    (:meth:`disburse.adapters.db.Database.shared_reading`; issue 19)."""
    if request.method in ("GET", "HEAD") and request.path.startswith("/api/"):
        scope = current_app.extensions["disburse.db"].shared_reading()
        scope.__enter__()
        g.read_scope = scope


def end_read_transaction(_exc: BaseException | None = None) -> None:
    scope = g.pop("read_scope", None)
    if scope is not None:
        scope.__exit__(None, None, None)


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
        actor = users.actor_for_token(current_app.extensions["disburse.db"], token.strip(),
                                      current_app.extensions["disburse.clock"].now())
        if actor is None:
            raise Unauthorized("the token is invalid or has expired (令牌无效或已过期)")
    elif current_user.is_authenticated:
        actor = current_user.actor
    else:
        raise Unauthorized("log in first: POST /api/v1/auth/tokens (请先登录)")
    named = request.headers.get("On-Behalf-Of", "").strip()
    if named and named != actor.username:  # a deputy reads and acts as the principal (代理, issue 21 item 2)
        g.actor = actor  # a refusal's audit entry names who asked
        acting = delegations.acting_for(current_app.extensions["disburse.db"], actor, named,
                                        current_app.extensions["disburse.clock"].now())
        if acting is None:
            raise Forbidden(f"no delegation from {named!r} in force (没有 {named} 的有效代理委托)", audit=True)
        actor = acting
    g.actor = actor
    return actor


def is_public(view: object, endpoint: str) -> bool:
    """An API operation anyone may call: documented with ``security: []``, or the OpenAPI document."""
    doc = getattr(view, "_apidoc", {}).get("manual_doc", {})
    return doc.get("security") == [] or endpoint.startswith("api-docs.")


def authenticate_first() -> None:
    """Authenticate an API request before its input is parsed or checked (issue 14): a caller without
    valid credentials gets 401 from every operation that needs them, never field errors (422) that
    would tell them about the route's schema."""
    if not request.path.startswith("/api/"):
        return
    endpoint = request.endpoint or ""
    view = current_app.view_functions.get(endpoint)
    if view is not None and not is_public(view, endpoint):
        current_actor()
