"""The audit log for inspectors (SPEC §8): verify, digest, checkpoints and proofs (issue 8)."""

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from disburse.api.schemas import (
    AuditDigestOut,
    AuditVerifyOut,
    CheckpointArgs,
    CheckpointPage,
    ConsistencyArgs,
    ConsistencyProofOut,
    InclusionArgs,
    InclusionProofOut,
)
from disburse.api.security import current_actor
from disburse.services import audit, checkpoints
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
    """The hash chain and every signed checkpoint checked; the first entry that breaks either, if any."""
    _require_reader()
    keys = checkpoints.public_keys(current_app.extensions["disburse.settings"])
    report = audit.verify(current_app.extensions["disburse.db"], keys)
    return {"ok": report.ok, "entries": report.entries, "head": report.head,
            "first_broken": report.first_broken, "first_broken_upto": report.first_broken_upto,
            "reason": report.reason, "checkpoints_checked": report.checkpoints, "covered": report.covered,
            "checkpoint": report.checkpoint}


@blp.get("/digest")
@blp.response(200, AuditDigestOut)
def digest() -> dict[str, Any]:
    _require_reader()
    return audit.digest(current_app.extensions["disburse.db"])


@blp.get("/checkpoints")
@blp.arguments(CheckpointArgs, location="query")
@blp.response(200, CheckpointPage)
@blp.doc(security=[])
def list_checkpoints(args: dict[str, Any]) -> dict[str, Any]:
    """Every signed checkpoint, newest first, with the verifier keys (public: tree heads only)."""
    settings = current_app.extensions["disburse.settings"]
    result = checkpoints.list_checkpoints(current_app.extensions["disburse.db"], page=args.get("page", 1))
    result["public_key"] = checkpoints.public_keys(settings)
    return result


@blp.get("/entries/<int:seq>/proof")
@blp.arguments(InclusionArgs, location="query")
@blp.response(200, InclusionProofOut)
@blp.alt_response(409, response="CONFLICT")
def inclusion_proof(args: dict[str, Any], seq: int) -> dict[str, Any]:
    """The inclusion proof of one entry in the tree of ``size`` entries (default: the latest checkpoint)."""
    return checkpoints.inclusion(current_app.extensions["disburse.db"], current_actor(), seq, args.get("size"))


@blp.get("/consistency")
@blp.arguments(ConsistencyArgs, location="query")
@blp.response(200, ConsistencyProofOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(security=[])
def consistency_proof(args: dict[str, Any]) -> dict[str, Any]:
    """The consistency proof between two tree sizes (public: hashes only)."""
    return checkpoints.consistency(current_app.extensions["disburse.db"], args["from"], args["to"])
