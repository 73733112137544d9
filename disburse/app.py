"""The application factory (flask tutorial shape: ``create_app(test_config=None)``)."""

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from disburse import security
from disburse.adapters.db import Database
from disburse.adapters.instance_secret import instance_secret
from disburse.adapters.limits import LoginThrottle, store_for
from disburse.clock import Clock
from disburse.settings import Settings

log = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from ``DISBURSE_*`` settings, overridden by ``test_config``."""
    settings = Settings.from_env()
    overrides = dict(test_config or {})
    for key in ("database_url", "secret_key", "instance_path", "demo", "redis_url"):
        if key in overrides:
            setattr(settings, key, overrides.pop(key))
    if overrides.pop("TESTING", False):
        overrides["TESTING"] = True
    settings.instance_path = Path(settings.instance_path)
    app = Flask(__name__, instance_path=str(settings.instance_path), instance_relative_config=True,
                static_folder="web/static")
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    secret = settings.secret_key
    if not (secret and secret.strip()):  # empty or white space: no secret at all
        if not (settings.demo or overrides.get("TESTING")):
            raise RuntimeError("DISBURSE_SECRET_KEY is required outside the demo and the tests")
        secret = instance_secret(settings.instance_path / "secret_key")
    app.config.update(
        SECRET_KEY=secret,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not (settings.demo or overrides.get("TESTING")),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.token_hours),
        TOKEN_LIFETIME=timedelta(hours=settings.token_hours),
        API_TITLE="disburse",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config.update({k: v for k, v in overrides.items() if k != "clock"})
    app.extensions["disburse.settings"] = settings
    app.extensions["disburse.db"] = Database(settings.db_url)
    app.extensions["disburse.clock"] = overrides.pop("clock", None) or Clock()
    app.extensions["disburse.documents"] = settings.instance_path / "documents"
    app.extensions["disburse.limits"] = limits = store_for(settings.redis_url)
    app.extensions["disburse.login_throttle"] = LoginThrottle(limits)
    security.init_app(app, hsts=not (settings.demo or app.testing))
    if settings.proxy_hops:
        # Behind N trusted proxies (docs/deployment.md): the client address, scheme and host are the ones
        # the outermost proxy saw, so audit entries, throttles and rate limits see the real client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops,  # type: ignore[method-assign]
                                x_proto=settings.proxy_hops, x_host=settings.proxy_hops)

    from disburse import api, inputs, web
    from disburse.services import workflows

    workflows.load_all()  # a workflow file that does not match its code stops the start (issue 15)

    api.init_app(app)
    web.init_app(app)
    inputs.init_app(app)  # after the caller is known: an anonymous caller gets 401, not field errors
    return app
