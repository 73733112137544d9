"""``GET /api/v1/audit/verify`` and the head digest, for inspectors (SPEC §8)."""

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from disburse.api.schemas import AuditVerifyOut
from disburse.api.security import current_actor
from disburse.services import audit
from disburse.services.errors import Forbidden

blp = Blueprint("api_audit", __name__, description="The tamper-evident audit log (SPEC §8)")

AUDIT_READERS = frozenset({"inspector", "supervisor", "admin"})


def _require_reader() -> None:
    actor = current_actor()
    if actor.role not in AUDIT_READERS:
        raise Forbidden(f"the role {actor.role} may not verify the audit log", audit=True)


@blp.get("/verify")
@blp.response(200, AuditVerifyOut)
def verify() -> dict[str, Any]:
    _require_reader()
    report = audit.verify(current_app.extensions["disburse.db"])
    return {"ok": report.ok, "entries": report.entries, "head": report.head,
            "first_broken": report.first_broken, "reason": report.reason}


@blp.get("/digest")
def digest() -> dict[str, Any]:
    _require_reader()
    return audit.digest(current_app.extensions["disburse.db"])
