"""What every page of the browser UI shares: who is acting, the services' errors as page messages.

Views are thin: they read the form, call the same service the API calls, and
render. A service's refusal is shown, not thrown: ``Invalid`` puts its field
errors next to the fields (the form keeps what was typed), ``Conflict`` lists
the unmet conditions with their clauses, ``Forbidden``/``NotFound`` answer as
the API would (403/404 pages).
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from flask import abort, current_app, flash, g, request, session
from flask_login import current_user

from disburse.adapters.db import Database
from disburse.services import audit, delegations
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, Unauthorized
from disburse.web.i18n import lang

T = TypeVar("T")

#: Each role's home page (SPEC §1): the work waiting for that user first.
HOMES = {
    "commerce": "projects_ui.home",
    "supervisor": "projects_ui.home",
    "finance": "money_ui.finance_home",
    "leader": "money_ui.leader_home",
    "contractor": "money_ui.contractor_home",
    "inspector": "inspect_ui.home",
    "admin": "admin_ui.users_page",
}


def db() -> Database:
    database: Database = current_app.extensions["disburse.db"]
    return database


def now() -> datetime:
    return current_app.extensions["disburse.clock"].now()  # type: ignore[no-any-return]


#: The session key naming the principal the logged-in user acts for (以 … 的名义办理, issue 21 item 2).
ACTING = "acting_for"


def actor() -> Actor:
    """Who acts on this page (views are ``@login_required``): the logged-in user, or — while they act for a
    principal under a delegation in force (``POST /me/acting``) — the principal's role and jurisdiction with
    both names, so every page, desk, queue and action is the principal's and the audit entry names both.
    A delegation that has ended or been revoked meanwhile ends the acting. ``current_user.actor`` stays the
    person logged in (their own delegations, logout, the header)."""
    if "web_actor" not in g:
        who: Actor = current_user.actor
        principal = session.get(ACTING)
        if isinstance(principal, str):
            acting = delegations.acting_for(db(), who, principal, now())
            if acting is None:
                session.pop(ACTING, None)
            else:
                who = acting
        elif principal is not None:
            session.pop(ACTING, None)
        if who.principal_id is None:  # in one's own name unless switched: the engine picks no principal
            who = replace(who, implicit_principal=False)
        g.web_actor = who
    found: Actor = g.web_actor
    return found


def origin() -> Origin:
    base: Origin = g.origin
    return Origin(request_id=base.request_id, client_addr=base.client_addr, lang=lang())


def unmet_messages(exc: ServiceError) -> list[dict[str, str]]:
    """The refusal's unmet conditions in the page's language, each with its clause."""
    return [u.as_dict(lang()) for u in getattr(exc, "unmet", None) or exc.extra.get("unmet") or []]


def attempt(call: Callable[[], T], errors: dict[str, list[str]] | None = None) -> T | None:
    """Run a service call for a page: the result, or ``None`` with the refusal flashed.

    Field errors of an ``Invalid`` are copied into ``errors`` (when given) so the
    form can show them in place; 403 and 404 abort as the API answers them.
    """
    try:
        return call()
    except Invalid as exc:
        if errors is not None:
            for field, messages in exc.errors.items():
                errors.setdefault(field, []).extend(messages)
        flash_refusal(exc)
    except Conflict as exc:
        flash_refusal(exc)
    except (Forbidden, Unauthorized) as exc:
        _record_denial(exc)
        if getattr(exc, "unmet", None) or exc.extra.get("unmet"):
            flash_refusal(exc)
            return None
        abort(403)
    except NotFound as exc:
        _record_denial(exc)
        abort(404)
    return None


def _record_denial(exc: ServiceError) -> None:
    """A denied access is logged (SPEC §6), from a page as from the API."""
    if exc.extra.get("audit") and not exc.extra.get("recorded"):  # the event path records its own
        audit.record_denial(db(), actor() if current_user.is_authenticated else None, g.origin,
                            status=exc.status, method=request.method, path=request.path, reason=exc.detail,
                            now=now())


def panel(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Services' ``actions()`` with their unmet reasons in the page's language, as ``actions_panel`` shows them."""
    return [{**a, "unmet": [u.as_dict(lang()) for u in a["unmet"]]} for a in actions]


def flash_refusal(exc: ServiceError) -> None:
    unmet = unmet_messages(exc)
    flash({"detail": exc.detail, "unmet": unmet,
           "errors": getattr(exc, "errors", {})}, "refusal")  # type: ignore[arg-type]
