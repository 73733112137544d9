"""The JSON API under ``/api/v1`` (SPEC §11.1), built with flask-smorest."""

import http
from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from disburse.api import (
    acceptances,
    amendments,
    applications,
    audit,
    auth,
    contracts,
    delegations,
    documents,
    exports,
    me,
    payments,
    pdfs,
    plans,
    problems,
    projects,
    public,
    recoveries,
    reports,
    users,
    volume_reports,
)
from disburse.api.schemas import Problem
from disburse.api.security import authenticate_first, begin_request, end_read_transaction, read_in_one_transaction
from disburse.services.errors import ServiceError

PROBLEM_JSON = "application/problem+json"
#: the largest id in a path: 18 digits, below a signed 64-bit integer's limit
MAX_ID = 10**18 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: at most 18 digits, so a larger number matches no route (404) instead
    of overflowing the database driver (found by the API fuzzing, issue 10). The limit is in the
    pattern, not a check after the match, which werkzeug would answer with 405 on a path that has
    rules for other methods."""

    regex = r"\d{1,18}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)  # documents the bound in the OpenAPI document
        super().__init__(map, *args, **kwargs)


class ProblemResponses(BasePlugin):
    """Documents, on every operation, the problem+json errors it can answer (SPEC §11.1's status table).

    Instead of a catch-all ``default`` response (which would let any status pass as documented),
    each operation lists what it really gives, so the API fuzzing (tests/fuzz, issue 10) fails on an
    undocumented status: 401 and 403 unless public (no 403 on the caller's own ``/me``), 404 for an
    object in the path and on every authenticated operation (an object or region named in the query or
    body may lie outside the jurisdiction, SPEC §6), 400/413 for a request body, 409 for a change of
    state, 422 wherever the client supplies values, 429 everywhere (rate limits and lost races).
    """

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        path = path or ""
        own = path.startswith("/api/v1/me")
        for method, operation in (operations or {}).items():
            public = operation.get("security") == []
            write = method in ("post", "put", "patch", "delete")
            body = "requestBody" in operation
            codes = {429}
            if not public:
                codes |= {401} if own else {401, 403}
            if "{" in path or not (public or own):
                codes.add(404)
            if body:
                codes |= {400, 413}
            if write and not own and (not public or "{" in path):
                codes.add(409)
            if body or "{" in path or operation.get("parameters"):
                codes.add(422)
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(str(code), http.HTTPStatus(code).name)


class DisburseApi(Api):
    """flask-smorest with problem+json errors instead of its default error body."""

    ERROR_SCHEMA = Problem
    #: no catch-all ``default`` response: :class:`ProblemResponses` lists each operation's errors
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_responses(self) -> None:
        """One reusable response per status, with the body every error has: a problem (RFC 9457)."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, problems.handle_http_exception)
        self._app.register_error_handler(ServiceError, problems.handle_service_error)
        self._app.register_error_handler(OperationalError, problems.handle_contention)
        self._app.register_error_handler(IntegrityError, problems.handle_collision)
        self._app.register_error_handler(DataError, problems.handle_out_of_range)
        self._app.register_error_handler(OverflowError, problems.handle_out_of_range)
        self._app.register_error_handler(Exception, problems.handle_unexpected)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any route, the pages' included
    app.before_request(begin_request)
    app.before_request(read_in_one_transaction)
    app.teardown_request(end_read_transaction)
    app.before_request(authenticate_first)
    api = DisburseApi(app, spec_kwargs={
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "extra_plugins": [ProblemResponses()],
    })
    api.register_converter(IdConverter, integerconverter2paramschema)
    blueprints = [("/auth", auth.blp), ("/projects", projects.blp), ("/audit", audit.blp), ("/me", me.blp),
                  ("", contracts.blp), ("", acceptances.blp), ("", payments.blp), ("/documents", documents.blp),
                  ("/public", public.blp), ("/reports", reports.blp), ("", pdfs.blp), ("", exports.blp),
                  ("", amendments.blp), ("", recoveries.blp), ("", applications.blp),
                  ("", volume_reports.blp), ("/users", users.blp), ("/plans", plans.blp),
                  ("", delegations.blp)]
    for prefix, blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{prefix}")
    app.extensions["disburse.api"] = api
    app.extensions["disburse.api_blueprints"] = [blueprint for _, blueprint in blueprints]
