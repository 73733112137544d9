"""``/login`` and ``/logout`` for the browser."""

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from disburse.inputs import checks_own_text
from disburse.services import users
from disburse.services.errors import Invalid, RateLimited, Unauthorized
from disburse.web.common import ACTING
from disburse.web.forms import LoginForm

bp = Blueprint("auth", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
@checks_own_text
def login() -> Any:
    from disburse.web import SessionUser

    form = LoginForm()
    if form.validate_on_submit():
        db = current_app.extensions["disburse.db"]
        try:
            actor = users.authenticate(db, form.username.data or "", form.password.data or "", g.origin,
                                       now=current_app.extensions["disburse.clock"].now(),
                                       throttle=current_app.extensions["disburse.login_throttle"])
        except Unauthorized:
            flash(_("用户名或密码错误"), "error")
            return render_template("login.html", form=form), 401
        except Invalid as exc:  # a character that cannot be stored: a failed login, the field named
            for name in exc.errors:
                getattr(form, name).errors = [_("含有无法保存的字符")]
            flash(_("用户名或密码错误"), "error")
            return render_template("login.html", form=form), 422
        except RateLimited as exc:
            minutes = -(-int(exc.extra["retry_after"]) // 60)
            flash(_("登录失败次数过多，请 %(minutes)s 分钟后再试", minutes=minutes), "error")
            return render_template("login.html", form=form), 429, {"Retry-After": str(exc.extra["retry_after"])}
        session.pop(ACTING, None)  # nobody inherits the previous user's acting for a principal
        login_user(SessionUser(actor, users.session_version(db, actor.id or 0)))
        return redirect(url_for("core.home"))
    return render_template("login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Any:
    users.end_sessions(current_app.extensions["disburse.db"], current_user.actor, g.origin,
                       current_app.extensions["disburse.clock"].now())
    session.pop(ACTING, None)
    logout_user()
    return redirect(url_for("auth.login"))
