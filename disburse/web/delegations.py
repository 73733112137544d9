"""Delegation while away in the pages (代理, issue 21 item 2): one's own delegations, acting for a principal,
and the administrator's list. The rules are :mod:`disburse.domain.delegation`'s, applied by
:mod:`disburse.services.delegations` — the same functions the API calls.

``/me/delegations`` lists what the logged-in user handed over (我委托他人) and what was handed to them (他人委托我),
and lets a commerce or finance official or a leading-group member give one. A deputy with a delegation in force
chooses to act for its principal (``POST /me/acting``): the principal's username is kept in the session and
:func:`disburse.web.common.actor` makes every page the principal's until ``POST /me/acting/stop`` or the end of
the delegation. These pages always act for the person logged in (``current_user.actor``): one hands over one's
own work, not a principal's.
"""

import re
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from disburse.domain.delegation import COUNTY_OFFICIALS
from disburse.schemas.delegation import DelegationIn
from disburse.schemas.errors import flatten_errors
from disburse.services import delegations
from disburse.services.context import Actor
from disburse.services.errors import Conflict, Invalid
from disburse.web.common import ACTING, HOMES, actor, attempt, db, flash_refusal, now, origin
from disburse.web.i18n import SHANGHAI, lang

bp = Blueprint("delegations_ui", __name__, template_folder="templates")

#: The give form's fields, as the page names them.
FIELDS = ("to", "from", "until", "note")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def me() -> Actor:
    """The person logged in, whoever they act for."""
    who: Actor = current_user.actor
    return who


def moment(value: datetime, *, end: bool = False) -> str:
    """A delegation's start or end in Asia/Shanghai as an official reads it: ``2026年12月5日0时``; an end at
    midnight is the previous day's 24时, the last moment covered (``until`` is not included)."""
    local = value.astimezone(SHANGHAI)
    hour = local.hour
    if end and (local.hour, local.minute, local.second) == (0, 0, 0):
        local, hour = local - timedelta(days=1), 24
    if lang() == "en":
        return f"{local:%Y-%m-%d} {hour:02d}:{local.minute:02d}"
    minutes = f"{local.minute:02d}分" if local.minute else ""
    return f"{local.year}年{local.month}月{local.day}日{hour}时{minutes}"


def period(d: dict[str, Any]) -> str:
    """``2026年12月5日0时 至 2026年12月9日24时`` (``until`` 2026-12-10: the 10th is not covered)."""
    return _("%(start)s 至 %(end)s", start=moment(d["from"]), end=moment(d["until"], end=True))


def offers() -> list[dict[str, Any]]:
    """On a desk, the principals the logged-in user may act for now (以 … 的名义办理), unless already acting."""
    if not current_user.is_authenticated or session.get(ACTING) or request.endpoint not in HOMES.values():
        return []
    if me().role not in COUNTY_OFFICIALS:
        return []
    return delegations.covering(db(), me(), now(), lang())


def init_app(app: Any) -> None:
    app.jinja_env.globals.update(delegation_offers=offers, delegation_period=period)


def _today() -> str:
    return now().astimezone(SHANGHAI).date().isoformat()


def _page(values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
          status: int = 200) -> Any:
    mine = delegations.mine(db(), me(), now(), lang())
    may_give = me().role in COUNTY_OFFICIALS
    in_force = {p["username"] for p in delegations.covering(db(), me(), now(), lang())}
    return render_template("core/delegations.html", mine=mine, may_give=may_give, in_force=in_force,
                           deputies=delegations.deputy_choices(db(), me(), lang()) if may_give else [],
                           values=values or {"from": _today()}, errors=errors or {},
                           acting=session.get(ACTING)), status


@bp.get("/me/delegations")
@login_required
def mine() -> Any:
    return _page()


def _read(values: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """The form as :class:`DelegationIn` loads it, or the fields' errors in the page's language."""
    errors: dict[str, list[str]] = {}
    if not values["to"]:
        errors["to"] = [_("请选择代理人")]
    if not values["until"]:
        errors["until"] = [_("请填写结束日期")]
    for name in ("from", "until"):
        if values[name] and not DAY.fullmatch(values[name]):
            errors[name] = [_("请按 2026-12-10 的格式填写日期")]
    if errors:
        return None, errors
    try:
        return dict(DelegationIn().load({k: v for k, v in values.items() if v})), {}
    except ValidationError as exc:
        return None, flatten_errors(exc.messages)


@bp.post("/me/delegations")
@login_required
def give() -> Any:
    """Hand one's own work to a deputy over ``[from, until)``; a refusal shows the form again as typed."""
    values = {k: request.form.get(k, "").strip() for k in FIELDS}
    if attempt(lambda: delegations.delegator(me())) is None:  # a role that may not: 403 before the form
        return _page(values, {}, 403)
    data, errors = _read(values)
    if data is None:
        flash(_("请更正标出的字段"), "error")
        return _page(values, errors, 422)
    try:
        given = delegations.give(db(), me(), origin(), data, now(), lang())
    except Invalid as exc:
        unmet = exc.extra.get("unmet") or []
        for item in unmet:
            errors.setdefault(item.field or "to", []).append(item.message(lang()))
        if not unmet:
            errors = {field: list(messages) for field, messages in exc.errors.items()}
        flash(_("请更正标出的字段"), "error")
        return _page(values, errors, 422)
    except Conflict as exc:
        flash_refusal(exc)
        return _page(values, errors, 409)
    flash(_("已委托 %(name)s 代理：%(period)s", name=given["to"]["username"], period=period(given)), "success")
    return redirect(url_for(".mine"))


@bp.post("/me/delegations/<int:delegation_id>/revoke")
@login_required
def revoke(delegation_id: int) -> Any:
    """End a delegation now: its principal or its deputy."""
    done = attempt(lambda: delegations.revoke(db(), me(), origin(), delegation_id, now(), lang()))
    if done is not None:
        flash(_("已撤销 %(principal)s 委托 %(to)s 的代理", principal=done["principal"]["username"],
                to=done["to"]["username"]), "success")
    return redirect(url_for(".mine"))


@bp.post("/me/acting")
@login_required
def act() -> Any:
    """Act for ``principal`` under their delegation in force: every page is then theirs, both names recorded."""
    name = request.form.get("principal", "").strip()
    if not name or delegations.acting_for(db(), me(), name, now()) is None:
        flash(_("没有 %(name)s 的有效代理委托", name=name or "—"), "error")
        return redirect(url_for(".mine"))
    session[ACTING] = name
    flash(_("您现在以 %(name)s 的名义办理，每项操作都记录您和 %(name)s 两人", name=name), "success")
    return redirect(url_for("core.home"))


@bp.post("/me/acting/stop")
@login_required
def stop() -> Any:
    """Back to acting in one's own name."""
    if session.pop(ACTING, None):
        flash(_("已退出代理，现在以本人名义办理"), "success")
    return redirect(url_for("core.home"))


@bp.get("/admin/delegations")
@login_required
def every() -> Any:
    """Every delegation of the users in the administrator's jurisdiction, with its revoke button."""
    found = attempt(lambda: delegations.every(db(), actor(), now(), lang()))
    return render_template("admin/delegations.html", items=found or [])


@bp.post("/admin/delegations/<int:delegation_id>/revoke")
@login_required
def admin_revoke(delegation_id: int) -> Any:
    done = attempt(lambda: delegations.revoke(db(), actor(), origin(), delegation_id, now(), lang(), as_admin=True))
    if done is not None:
        flash(_("已撤销 %(principal)s 委托 %(to)s 的代理", principal=done["principal"]["username"],
                to=done["to"]["username"]), "success")
    return redirect(url_for(".every"))
