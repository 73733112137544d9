"""The audit log for inspectors (SPEC §8): verify, digest, checkpoints and proofs (issue 8)."""

from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from disburse.api.schemas import AuditVerifyOut
from disburse.api.security import current_actor
from disburse.services import audit, checkpoints
from disburse.services.errors import Forbidden, Invalid

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


def _int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise Invalid("invalid query", {name: ["a whole number"]})
    return int(raw)


@blp.get("/checkpoints")
@blp.doc(security=[])
def list_checkpoints() -> dict[str, Any]:
    """Every signed checkpoint, newest first, with the verifier keys (public: tree heads only)."""
    settings = current_app.extensions["disburse.settings"]
    page = _int_arg("page", 1) or 1
    result = checkpoints.list_checkpoints(current_app.extensions["disburse.db"], page=page)
    result["public_key"] = checkpoints.public_keys(settings)
    return result


@blp.get("/entries/<int:seq>/proof")
def inclusion_proof(seq: int) -> dict[str, Any]:
    """The inclusion proof of one entry in the tree of ``size`` entries (default: the latest checkpoint)."""
    return checkpoints.inclusion(current_app.extensions["disburse.db"], current_actor(), seq, _int_arg("size"))


@blp.get("/consistency")
@blp.doc(security=[])
def consistency_proof() -> dict[str, Any]:
    """The consistency proof between two tree sizes (public: hashes only)."""
    first, second = _int_arg("from"), _int_arg("to")
    if first is None or second is None:
        raise Invalid("invalid query", {"from": ["required"], "to": ["required"]})
    return checkpoints.consistency(current_app.extensions["disburse.db"], first, second)
