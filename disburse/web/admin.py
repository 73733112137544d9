"""The admin's pages (issue 18): the users of its jurisdiction, by region; create one, reset a password,
disable and enable. Every rule is in :mod:`disburse.services.users`, the same functions the API calls.

A temporary password is shown once, in the answer to the post that made it: it is never put in the
session or a redirect, and the service keeps only its hash.
"""

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from disburse.schemas.errors import flatten_errors
from disburse.schemas.users import ROLES, UserEventIn, UserIn, UserListArgs
from disburse.services import users
from disburse.web.common import actor, attempt, db, now, origin

bp = Blueprint("admin_ui", __name__, template_folder="templates")

#: The fields of the create form, as the service reads them.
FIELDS = ("username", "role", "region", "contractor", "email", "password")


def _filters() -> dict[str, Any]:
    """The list's filters from the query string; a value that does not parse is dropped."""
    raw = {k: v for k, v in request.args.items() if k in ("region", "role", "active", "q", "page") and v.strip()}
    try:
        return dict(UserListArgs().load(raw))
    except ValidationError as exc:
        return dict(UserListArgs().load({k: v for k, v in raw.items() if k not in exc.messages}))


def _page(*, values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
          handed: dict[str, Any] | None = None, status: int = 200) -> Any:
    """The users page; ``handed`` is a user whose temporary password is shown this once."""
    regions = attempt(lambda: users.regions_in_jurisdiction(db(), actor()))
    filters = _filters()
    listing = attempt(lambda: users.list_users(db(), actor(), **filters))
    args = {k: v for k, v in request.args.items() if k in ("region", "role", "active", "q")}
    return render_template("admin/users.html", regions=regions, listing=listing, filters=args, roles=ROLES,
                           values=values or {"role": "", "region": actor().region_code}, errors=errors or {},
                           handed=handed, me=actor().id), status


@bp.get("/admin/users")
@login_required
def users_page() -> Any:
    return _page()


@bp.post("/admin/users")
@login_required
def create() -> Any:
    attempt(lambda: users.require_admin(actor()))  # a role that may not: 403 before anything is read
    values = {k: request.form.get(k, "").strip() for k in FIELDS}
    errors: dict[str, list[str]] = {}
    try:
        data = UserIn().load({k: v for k, v in values.items() if v})
    except ValidationError as exc:
        flash(_("请更正标出的字段"), "error")
        return _page(values=values, errors=flatten_errors(exc.messages), status=422)
    made = attempt(lambda: users.administer_create(db(), actor(), origin(), data, now()), errors)
    if made is None:
        return _page(values=values, errors=errors, status=422)
    flash(_("已创建用户 %(name)s", name=made["username"]), "success")
    return _page(handed=made)


@bp.post("/admin/users/<int:user_id>/events")
@login_required
def fire(user_id: int) -> Any:
    try:
        data = UserEventIn().load({"event": request.form.get("event", ""), "note": request.form.get("note") or None})
    except ValidationError:
        attempt(lambda: users.get_user(db(), actor(), user_id))  # 403 or 404 before saying what is wrong
        flash(_("没有这个操作"), "error")
        return redirect(url_for(".users_page"))
    done = attempt(lambda: users.administer(db(), actor(), origin(), user_id, data["event"], note=data["note"],
                                            now=now()))
    if done is None:
        return redirect(url_for(".users_page"))
    if data["event"] == "reset_password":
        flash(_("已重置 %(name)s 的密码", name=done["username"]), "success")
        return _page(handed=done)
    flash(_("已停用 %(name)s", name=done["username"]) if data["event"] == "disable"
          else _("已启用 %(name)s", name=done["username"]), "success")
    return redirect(url_for(".users_page"))
