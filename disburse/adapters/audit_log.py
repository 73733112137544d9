"""The one place that writes the audit log (SPEC §8, STYLE.md "one place").

An entry is appended inside the caller's transaction, so the change and its
entry commit or roll back together. Appends are serialised so the chain has no
forks: ``BEGIN IMMEDIATE`` already does it on SQLite; on PostgreSQL a
transaction-scoped advisory lock does.
"""

from collections.abc import Generator
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from disburse.adapters.orm import AuditEntry
from disburse.domain.audit import CANONICAL_ORDER, GENESIS, canonical_json, entry_hash

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
    at: datetime,
) -> AuditEntry:
    """Append one entry to the chain in the session's transaction and return it; ``at`` is the app's
    clock (the one clock, issue 15), so a test that moves time finds its entries at that time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    record: dict[str, Any] = {
        "seq": seq,
        "at": at,
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


#: The canonical UTC text of ``at`` (``2026-11-22T08:00:00.000000Z``), computed by the database.
#: SQLite keeps what SQLAlchemy wrote (``2026-11-22 08:00:00.000000``, always six fraction
#: digits): only the blank between date and time is replaced, and it is checked, so the mapping
#: is one-to-one; text of another shape (or a non-text value) yields NULL, which never matches.
_AT_SQL = {
    "sqlite": ("CASE WHEN typeof(at) = 'text' AND length(at) = 26 AND substr(at, 11, 1) = ' ' "
               "THEN substr(at, 1, 10) || 'T' || substr(at, 12) || 'Z' END"),
    "postgresql": """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
}


def chain_rows_sql(dialect: str, after: int | None = 0, upto: int | None = None) -> str:
    """The query :func:`iter_chain_rows` runs: the hashed columns in canonical order, then ``hash``.

    ``after`` and ``upto`` bound the sequence numbers (``after < seq <= upto``); both are integers,
    written into the text. ``after=None`` is no lower bound at all (a range that starts the log
    must see an entry numbered 0 or less, if one was slipped in); ``after=0`` alone is none either.
    """
    columns = [_AT_SQL[dialect] if name == "at" else name for name in CANONICAL_ORDER]
    bounds = []
    if after is not None and (after or upto is not None):
        bounds.append(f"seq > {int(after)}")
    if upto is not None:
        bounds.append(f"seq <= {int(upto)}")
    where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
    return f"SELECT {', '.join(columns)}, hash FROM audit_entries{where} ORDER BY seq"


def iter_chain_rows(session: Session, batch: int = 10_000, *, after: int | None = 0,
                    upto: int | None = None) -> Generator[list[tuple[Any, ...]], None, None]:
    """Every entry (``after < seq <= upto``, as :func:`chain_rows_sql`) in sequence order as plain tuples
    (``verify_rows``'s form), in batches.

    It reads through the DB-API cursor of the session's connection, in the
    session's transaction: a server-side cursor on PostgreSQL, a plain one on
    SQLite. No ORM objects, no per-row dicts.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    sql = chain_rows_sql(dialect, after, upto)
    if dialect == "postgresql":
        cursor = dbapi.cursor(name="disburse_audit_verify")
        cursor.itersize = batch
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()
