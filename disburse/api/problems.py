"""Errors as ``application/problem+json`` (RFC 9457; SPEC §11.1).

``type``, ``title``, ``status``, ``detail``, plus ``errors`` (field path →
messages) for 422 and ``unmet`` (``{code, message, clause}``) for a failed
guard. Nothing escapes as a bare 500: an unexpected error is logged with its
request id and answered as a problem that reveals nothing.
"""

import logging
from typing import Any

from flask import Response, current_app, g, json, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from disburse.domain.text import printable
from disburse.schemas import flatten_errors
from disburse.services import audit as audit_service
from disburse.services.errors import Conflict, Forbidden, Invalid, ServiceError

log = logging.getLogger(__name__)

PROBLEM_TYPES = {
    400: "malformed-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "invalid-fields",
    429: "rate-limited",
    500: "internal-error",
}


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {
        "type": f"/problems/{PROBLEM_TYPES.get(status, 'error')}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    rid = getattr(g, "request_id", None)
    if rid:
        body["request_id"] = rid
    # a refused request may echo what it was refused for (a field name with a lone surrogate): written as an
    # escape, the answer stays valid UTF-8 and valid JSON
    resp = current_app.response_class(
        printable(json.dumps(body, ensure_ascii=False)), status=status, mimetype="application/problem+json"
    )
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="disburse"'
    return resp


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, plain: Any) -> Any:
    """A browser's error outside the API: the UI's styled page (``disburse.error_page``, registered by the web
    UI) when it is installed, else ``plain``."""
    render = current_app.extensions.get("disburse.error_page")
    return render(status) if render is not None else plain


def handle_http_exception(error: HTTPException) -> Any:
    if not _is_api():
        return _page(error.code, error) if error.code and error.code >= 400 else error
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 422 and messages:
        # webargs nests messages by location: {"json": {...}, "query": {...}}
        errors: dict[str, list[str]] = {}
        for location_errors in messages.values():
            errors.update(flatten_errors(location_errors))
        return problem(422, "Unprocessable Entity", "some fields are invalid (字段有误)", errors=errors)
    detail = error.description or error.name
    if status == 400:
        detail = "malformed request body: " + (data.get("message") or detail)
    return problem(status, error.name, detail)


def handle_service_error(error: ServiceError) -> Any:
    if error.extra.get("audit") and not error.extra.get("recorded"):  # the event path records its own
        audit_service.record_denial(
            current_app.extensions["disburse.db"], getattr(g, "actor", None), g.origin,
            status=error.status, method=request.method, path=request.path, reason=error.detail,
            now=current_app.extensions["disburse.clock"].now(),
        )
    extra: dict[str, Any] = {}
    lang = g.origin.lang if getattr(g, "origin", None) else "zh"
    if isinstance(error, Invalid):
        extra["errors"] = error.errors
    if isinstance(error, Conflict):
        extra["unmet"] = [u.as_dict(lang) for u in error.unmet]
    if isinstance(error, Forbidden) and error.extra.get("unmet"):
        extra["unmet"] = [u.as_dict(lang) for u in error.extra["unmet"]]
    if not _is_api() and error.status in (401, 403, 404):
        return _page(error.status, (error.detail, error.status))
    resp = problem(error.status, error.title, error.detail, **extra)
    if error.extra.get("retry_after"):
        resp.headers["Retry-After"] = str(error.extra["retry_after"])
    return resp


#: SQLSTATEs of a transaction that lost a race (serialization failure, deadlock) or waited too long
CONTENTION_CODES = frozenset({"40001", "40P01", "55P03"})


def handle_contention(error: OperationalError) -> Any:
    """A transaction that lost to another is rolled back whole; the client is told to retry (429)."""
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    locked = "database is locked" in str(error.orig)
    if code not in CONTENTION_CODES and not locked:
        return handle_unexpected(error)
    log.warning("contention on %s (%s); answered 429", request.path, code or "sqlite locked")
    resp = problem(429, "Too Many Requests",
                   "the server is busy with concurrent changes; nothing was written — retry (with the same "
                   "Idempotency-Key)")
    resp.headers["Retry-After"] = "1"
    return resp


def handle_collision(error: IntegrityError) -> Any:
    """Two requests created the same unique thing at once (e.g. one contractor's credit code): the
    loser's transaction was rolled back whole; it may retry and will then see the winner's row."""
    log.warning("integrity collision on %s: %s", request.path, error.orig)
    return problem(409, "Conflict", "a concurrent change collided with this one; nothing was written — retry")


def handle_out_of_range(error: Exception) -> Any:
    """A number in the request too large for the database (SQLite's driver raises OverflowError,
    PostgreSQL SQLSTATE 22003): nothing was written; the client is told the value is out of range."""
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    if not isinstance(error, OverflowError) and code != "22003":
        return handle_unexpected(error)
    log.warning("number out of range on %s: %s", request.path, error)
    if not _is_api():
        return _page(422, ("Unprocessable Entity", 422))
    return problem(422, "Unprocessable Entity", "a number in the request is out of range (数值超出范围)")


def handle_unexpected(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unexpected error in request %s", getattr(g, "request_id", "?"))
    if not _is_api():
        return _page(500, ("Internal Server Error", 500))
    return problem(500, "Internal Server Error", "an unexpected error was logged; nothing was changed")
