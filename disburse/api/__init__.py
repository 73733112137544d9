"""The JSON API under ``/api/v1`` (SPEC §11.1), built with flask-smorest."""

from flask import Flask
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from disburse.api import (
    acceptances,
    audit,
    auth,
    contracts,
    documents,
    me,
    payments,
    problems,
    projects,
    public,
    reports,
)
from disburse.api.schemas import Problem
from disburse.api.security import begin_request
from disburse.services.errors import ServiceError


class DisburseApi(Api):
    """flask-smorest with problem+json errors instead of its default error body."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, problems.handle_http_exception)
        self._app.register_error_handler(ServiceError, problems.handle_service_error)
        self._app.register_error_handler(OperationalError, problems.handle_contention)
        self._app.register_error_handler(IntegrityError, problems.handle_collision)
        self._app.register_error_handler(Exception, problems.handle_unexpected)


def init_app(app: Flask) -> None:
    app.before_request(begin_request)
    api = DisburseApi(app, spec_kwargs={
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    })
    blueprints = [("/auth", auth.blp), ("/projects", projects.blp), ("/audit", audit.blp), ("/me", me.blp),
                  ("", contracts.blp), ("", acceptances.blp), ("", payments.blp), ("/documents", documents.blp),
                  ("/public", public.blp), ("/reports", reports.blp)]
    for prefix, blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{prefix}")
    app.extensions["disburse.api"] = api
    app.extensions["disburse.api_blueprints"] = [blueprint for _, blueprint in blueprints]
