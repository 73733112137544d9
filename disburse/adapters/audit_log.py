"""The one place that writes the audit log (SPEC §8, STYLE.md "one place").

An entry is appended inside the caller's transaction, so the change and its
entry commit or roll back together. Appends are serialised so the chain has no
forks: ``BEGIN IMMEDIATE`` already does it on SQLite; on PostgreSQL a
transaction-scoped advisory lock does.
"""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from disburse.adapters.orm import AuditEntry, utcnow
from disburse.domain.audit import GENESIS, canonical_json, entry_hash

AUDIT_LOCK_KEY = 0x6469_7362  # "disb"


def append(
    session: Session,
    *,
    action: str,
    actor: Any = None,
    origin: Any = None,
    entity_type: str | None = None,
    entity_id: object = None,
    project_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    data: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain in the session's transaction and return it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    record: dict[str, Any] = {
        "seq": seq,
        "at": utcnow(),
        "actor_id": getattr(actor, "id", None),
        "actor_username": getattr(actor, "username", None),
        "actor_role": getattr(actor, "role", None),
        "action": action,
        "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id),
        "project_id": project_id,
        "from_state": from_state,
        "to_state": to_state,
        "data": canonical_json(data or {}),
        "note": note,
        "request_id": getattr(origin, "request_id", None),
        "client_addr": getattr(origin, "client_addr", None),
        "prev_hash": prev,
    }
    entry = AuditEntry(**record, hash=entry_hash(record))
    session.add(entry)
    session.flush()
    return entry


def iter_entries(session: Session, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every entry in sequence order, as chain records, read in batches."""
    after = 0
    while True:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)
        ).scalars().all()
        if not rows:
            return
        for row in rows:
            yield row.as_chain_record()
        after = rows[-1].seq
        session.expunge_all()
