"""The pages every user has: home (each role's own), the inbox, the language switch."""

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from disburse.services import notifications
from disburse.web.common import HOMES, actor, attempt, db, now
from disburse.web.i18n import lang

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/")
def home() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOMES.get(actor().role, "core.inbox")))


@bp.get("/notifications")
@login_required
def inbox() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    unread = request.args.get("unread") == "1"
    box = notifications.inbox(db(), actor(), unread_only=unread, page=page, per_page=20, lang=lang())
    return render_template("core/inbox.html", box=box, unread=unread)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> Any:
    attempt(lambda: notifications.mark_read(db(), actor(), notification_id, now=now(), lang=lang()))
    return redirect(request.referrer or url_for("core.inbox"))


@bp.post("/notifications/read")
@login_required
def mark_all_read() -> Any:
    notifications.mark_all_read(db(), actor(), now=now())
    return redirect(url_for("core.inbox"))
