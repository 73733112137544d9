"""``GET /api/v1/me``: the current user; ``GET /api/v1/me/notifications``: its inbox (SPEC §10, §11.1)."""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.schemas import MarkedRead, MeOut, NotificationArgs, NotificationOut, NotificationPage
from disburse.api.security import current_actor
from disburse.services import notifications

blp = Blueprint("api_me", __name__, description="The current user")


@blp.get("")
@blp.response(200, MeOut)
def me() -> dict[str, Any]:
    actor = current_actor()
    return {"id": actor.id, "username": actor.username, "role": actor.role,
            "region": actor.region_code, "contractor": actor.contractor_code,
            "on_behalf_of": actor.principal_username}


@blp.get("/notifications")
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, NotificationPage)
def inbox(args: dict[str, Any]) -> dict[str, Any]:
    """Reminders and escalations for the current user, newest first (``unread=true`` for the unread only)."""
    return notifications.inbox(db(), current_actor(), unread_only=args["unread"], page=args["page"],
                               per_page=args["per_page"], lang=g.origin.lang)


@blp.post("/notifications/<int:notification_id>/read")
@blp.response(200, NotificationOut)
def mark_read(notification_id: int) -> dict[str, Any]:
    return notifications.mark_read(db(), current_actor(), notification_id, now=now(), lang=g.origin.lang)


@blp.post("/notifications/read")
@blp.response(200, MarkedRead)
def mark_all_read() -> dict[str, Any]:
    return {"marked": notifications.mark_all_read(db(), current_actor(), now=now())}
