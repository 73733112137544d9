"""The browser side: for now a plain login/logout page on flask-login sessions (SPEC §11.1)."""

from typing import Any

from flask import Flask, current_app
from flask_login import LoginManager, UserMixin
from flask_wtf import CSRFProtect

from disburse.services import users
from disburse.services.context import Actor
from disburse.web import auth


class SessionUser(UserMixin):
    """A logged-in browser user; the session id carries the user's session version,
    so logging out ends every session of that user."""

    def __init__(self, actor: Actor, version: int) -> None:
        self.actor = actor
        self.version = version

    def get_id(self) -> str:
        return f"{self.actor.id}:{self.version}"


def _load_user(session_id: str) -> Any:
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    actor = users.actor_for_session(current_app.extensions["disburse.db"], int(user_id), int(version))
    return None if actor is None else SessionUser(actor, int(version))


def init_app(app: Flask) -> None:
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.user_loader(_load_user)
    csrf = CSRFProtect(app)
    app.register_blueprint(auth.bp)
    # The JSON API authenticates with bearer tokens (or a SameSite session) and takes
    # JSON bodies only; CSRF tokens are for the browser's forms.
    for blueprint in app.extensions["disburse.api_blueprints"]:
        csrf.exempt(blueprint)
