"""Audit use cases: verify the chain, read the head, record denials (SPEC §8)."""

import json
from typing import Any

from sqlalchemy import select

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import AuditEntry
from disburse.domain.audit import ChainReport, verify_rows
from disburse.services.context import Actor, Origin


def verify(db: Database) -> ChainReport:
    """Walk the whole chain; the report names the first broken sequence number."""
    with db.reading() as tx:
        return verify_rows(audit_log.iter_chain_rows(tx.session))


def digest(db: Database) -> dict[str, Any]:
    """The head of the log: its size and last hash."""
    with db.reading() as tx:
        last = tx.session.execute(
            select(AuditEntry.seq, AuditEntry.hash, AuditEntry.at).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
    if last is None:
        return {"entries": 0, "head": None, "at": None}
    return {"entries": last.seq, "head": last.hash, "at": last.at.isoformat()}


def record_denial(db: Database, actor: Actor | None, origin: Origin, *, status: int, method: str,
                  path: str, reason: str) -> None:
    """Every denied access is logged (SPEC §6), in a transaction of its own."""
    with db.writing() as tx:
        audit_log.append(
            tx.session,
            action="access.denied",
            actor=actor,
            origin=origin,
            data={"status": status, "method": method, "path": path, "reason": reason},
        )
        tx.commit()


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": {"id": entry.actor_id, "username": entry.actor_username, "role": entry.actor_role},
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "project_id": entry.project_id,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "data": json.loads(entry.data),
        "note": entry.note,
        "request_id": entry.request_id,
        "client_addr": entry.client_addr,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }
