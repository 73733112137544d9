"""The one place that writes the audit log (SPEC §8, STYLE.md "one place").

An entry is appended inside the caller's transaction, so the change and its entry commit or roll
back together. :func:`append` only builds the entry; every entry of a transaction is written by
:func:`write_pending` as the **last statements before its commit** (a ``before_commit`` hook on every
session), so whatever serialises appends is held for the commit alone, not for the whole step
(issue 19: the head was read and locked mid-transaction and held through the response view and the
idempotency write, so concurrent approvals queued behind one another).

Appends are serialised so the chain has no forks. On SQLite ``BEGIN IMMEDIATE`` already does it: the
head is the last entry, read by its primary key. On PostgreSQL the head is one row of ``audit_head``
(migration 0016), taken with ``UPDATE … RETURNING``: the row lock orders appenders, and the entries
and the new head hash are written in one statement after it.
"""

from collections.abc import Generator
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, event, insert, select, text, update
from sqlalchemy.orm import Session

from disburse.adapters.orm import AuditEntry, Project, User
from disburse.domain.audit import CANONICAL_ORDER, GENESIS, canonical_json, entry_hash

#: Where a session keeps the entries its transaction will append at commit.
_PENDING = "disburse.audit_pending"
#: The chain's head on PostgreSQL: one row (``id = 1``) with the last entry's ``seq`` and ``hash``.
AUDIT_HEAD = Table("audit_head", MetaData(), Column("id", Integer, primary_key=True), Column("seq", Integer),
                   Column("hash", String(64)))
#: The region of no jurisdiction below it: the national root (:data:`disburse.adapters.regions.ROOT_CODE`).
_NATIONAL = "000000"
#: ``region_code=`` left out: the entry's region is looked up.
_LOOK_UP: Any = object()


def region_levels(region_code: str | None) -> dict[str, str | None]:
    """The jurisdiction columns of an entry that belongs to ``region_code`` (issue 19).

    GB/T 2260 codes carry their ancestors in their digits (``530302`` lies in ``530300`` in
    ``530000``), as every row of the bundled region list does (a test holds the list to it), so no
    region is read: a province's entry has only its province code, a county's all three; the
    national root's has its ``region_code`` alone, so only a national reader sees it.
    """
    if region_code is None or region_code == _NATIONAL:
        return {"region_code": region_code, "province_code": None, "prefecture_code": None, "county_code": None}
    province = region_code[:2] + "0000"
    prefecture = None if region_code[2:] == "0000" else region_code[:4] + "00"
    county = None if region_code[4:] == "00" else region_code
    return {"region_code": region_code, "province_code": province, "prefecture_code": prefecture,
            "county_code": county}


def _region_of(session: Session, actor: Any, entity_type: str | None, entity_id: object,
               project_id: int | None) -> str | None:
    """The region an entry belongs to (the rule :func:`disburse.services.audit.browse` states), with at
    most one primary-key lookup (none when the row is already in the session)."""
    if project_id is not None:
        project = session.get(Project, project_id)
        return None if project is None else project.region_code
    if entity_type == "user" and entity_id is not None and str(entity_id).isdecimal():
        user = session.get(User, int(str(entity_id)))
        if user is not None:
            return user.region_code
    if getattr(actor, "id", None) is not None:
        return getattr(actor, "region_code", None)
    return None


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
    region_code: str | None = _LOOK_UP,
) -> None:
    """Add one entry to the chain in the session's transaction; it is written, numbered and hashed at
    commit, after every other write (:func:`write_pending`). ``at`` is the app's clock (the one clock,
    issue 15), so a test that moves time finds its entries at that time.

    The entry's jurisdiction is stored beside it, outside the hashed record (issue 19): a caller that
    holds the project's region passes it as ``region_code`` (``None``: no jurisdiction); otherwise it is
    the project's, else the region of the user the entry is about, else the acting user's.
    """
    if region_code is _LOOK_UP:
        region_code = _region_of(session, actor, entity_type, entity_id, project_id)
    record: dict[str, Any] = {
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
        "data": canonical_json(_with_principal(actor, data or {})),
        "note": note,
        "request_id": getattr(origin, "request_id", None),
        "client_addr": getattr(origin, "client_addr", None),
    }
    session.info.setdefault(_PENDING, []).append({**record, **region_levels(region_code)})


def _with_principal(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """An action under a delegation (代理, issue 21 item 2) names its principal beside the person acting (the
    entry's ``actor_*``): ``on_behalf_of`` is their id, username and role, and ``actor_own_role`` the deputy's."""
    principal = getattr(actor, "principal_id", None)
    if principal is None:
        return data
    return {**data, "on_behalf_of": {"id": principal, "username": actor.principal_username, "role": actor.role},
            "actor_own_role": actor.own_role}


def pending(session: Session) -> int:
    """How many entries the session's transaction will append at commit."""
    return len(session.info.get(_PENDING, ()))


_ENTRIES = cast(Table, AuditEntry.__table__)
#: The statements :func:`write_pending` runs, built once (issue 19: cached statements on the hot path).
_INSERT = insert(_ENTRIES)
_MOVE_HEAD = update(AUDIT_HEAD).where(AUDIT_HEAD.c.id == 1).values(hash=bindparam("head"))
_INSERT_AND_MOVE_HEAD = _MOVE_HEAD.add_cte(
    insert(_ENTRIES).values({c.name: bindparam(f"e_{c.name}", type_=c.type) for c in _ENTRIES.columns})
    .cte("appended"))


@event.listens_for(Session, "before_commit")
def write_pending(session: Session) -> None:
    """Write the transaction's entries, chained to the head, as the last statements before the commit."""
    records = session.info.pop(_PENDING, None)
    if not records:
        return
    session.flush()  # the step's own writes go first; the chain is the last thing written
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        last, prev = session.execute(
            text("UPDATE audit_head SET seq = seq + :n WHERE id = 1 RETURNING seq - :n, hash"),
            {"n": len(records)}).one()
    else:
        head = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc())
                               .limit(1)).first()
        last, prev = (head[0], head[1]) if head else (0, GENESIS)
    rows = []
    for seq, record in enumerate(records, start=last + 1):
        row = {**record, "seq": seq, "prev_hash": prev}
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
    if not postgres:
        session.execute(_INSERT, rows)
    elif len(rows) == 1:  # the entry and the new head in one statement
        session.execute(_INSERT_AND_MOVE_HEAD, {**{f"e_{k}": v for k, v in rows[0].items()}, "head": prev})
    else:
        session.execute(_INSERT, rows)
        session.execute(_MOVE_HEAD, {"head": prev})


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: Any) -> None:
    """A transaction that ends without its commit (rolled back, or closed unfinished) appends nothing."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def sync_head(session: Session) -> None:
    """Set PostgreSQL's ``audit_head`` to the last entry, for a tool that wrote entries itself (the
    benchmark's data generator); nothing to do on SQLite, whose head is the last entry."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("UPDATE audit_head SET seq = coalesce(e.seq, 0), hash = coalesce(e.hash, :genesis) "
                         "FROM (SELECT max(seq) AS seq FROM audit_entries) m "
                         "LEFT JOIN audit_entries e ON e.seq = m.seq WHERE audit_head.id = 1"),
                    {"genesis": GENESIS})


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
