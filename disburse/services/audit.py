"""Audit use cases: verify the chain, read the head, browse entries, record denials (SPEC §8)."""

import json
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, func, or_, select, text, union_all
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import AuditCheckpoint, AuditEntry, AuditLeaf
from disburse.clock import REAL
from disburse.domain import audit_signed, merkle
from disburse.domain.audit import GENESIS, ChainReport, RangeCheck, check_range, graft, walk_rows
from disburse.domain.roles import Role
from disburse.services.context import Actor, Origin
from disburse.services.errors import Forbidden, NotFound

#: Who browses the log entry by entry, within their jurisdiction (SPEC §1, §6: inspectors read
#: everything in it; supervisors oversee the counties below them).
BROWSERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
#: Who may run the whole-chain check, as ``GET /api/v1/audit/verify`` allows.
VERIFIERS = BROWSERS | {Role.ADMIN}
_SHANGHAI = ZoneInfo("Asia/Shanghai")


#: From this many entries on, :func:`verify` checks ranges of the log in parallel processes; below it
#: starting them (≈ 0.5–0.8 s each) costs more than it saves (docs/decisions.md, issue 19).
PARALLEL_FROM = 200_000


def verify(db: Database, public_keys: Sequence[str] = (), *, workers: int | None = None,
           parallel_from: int = PARALLEL_FROM) -> ChainReport:
    """Check the whole log: its hash chain link by link, and every signed checkpoint (SPEC §8).

    ``public_keys`` are the instance's verifier key lines (:func:`disburse.services.checkpoints.public_keys`);
    a stored checkpoint none of them signed is a failure. A log of ``parallel_from`` entries or more is
    first checked in ``workers`` ranges at once (one per core by default), each in its own process
    (:func:`_parallel`); when every range holds and they join, that is the report. Otherwise — a
    smaller log, a file-less database, processes that cannot start, or anything broken — the entries
    are read once, in order, hashing each as a Merkle leaf up to the largest checkpoint; only when a
    signed root does not hold are the entries after the last checkpoint that does, and their recorded
    leaf hashes, read again to name the first entry that differs (:mod:`disburse.domain.audit_signed`).
    The report names the first broken entry, or the range it lies in, or the checkpoint that cannot
    be trusted.
    """
    with db.reading() as tx:
        s = tx.session
        stored = s.execute(select(AuditCheckpoint.size, AuditCheckpoint.root, AuditCheckpoint.note)
                           .order_by(AuditCheckpoint.size)).all()
        try:
            roots = audit_signed.signed_roots(stored, public_keys)
        except audit_signed.CheckpointRefused as exc:
            return audit_signed.refused(exc)
        processes = workers or os.cpu_count() or 1
        head = s.scalar(select(func.max(AuditEntry.seq))) or 0
        if processes > 1 and head >= parallel_from and _shareable(db.url):
            report = _parallel(db.url, s, head, roots, processes)
            if report is not None:
                return report
        with closing(audit_log.iter_chain_rows(s)) as rows:
            walk = walk_rows(rows, roots)
        span = audit_signed.reread(walk)
        if span is None:
            return audit_signed.verdict(walk, roots)
        after, leaves_upto, entries_upto = span
        leaves = s.execute(select(AuditLeaf.seq, AuditLeaf.hash)
                           .where(AuditLeaf.seq > after, AuditLeaf.seq <= leaves_upto).order_by(AuditLeaf.seq)
                           .execution_options(yield_per=10_000))
        with closing(audit_log.iter_chain_rows(s, after=after, upto=entries_upto)) as rows:
            return audit_signed.verdict(walk, roots, leaves, rows)


def _shareable(url: str) -> bool:
    """Whether another process opening ``url`` sees the same database (not an in-memory SQLite one)."""
    parsed = make_url(url)
    return not (parsed.get_backend_name() == "sqlite"
                and (parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"))


def _parallel(url: str, session: Session, head: int, roots: dict[int, bytes], workers: int) -> ChainReport | None:
    """The report of an intact log, checked in ``workers`` ranges of seq at once; ``None`` when that
    cannot say (processes that do not start, a range that breaks, ranges that do not join, a signed
    root that does not hold): then :func:`verify` walks the log in one pass and names what breaks.

    Each row carries its ``prev_hash``, so each range is checked on its own
    (:func:`disburse.domain.audit.check_range`); they join when the first ``prev_hash`` of each is the
    last hash of the one before (``GENESIS`` for the first) and each ends where the next begins. The
    first range is checked here, in this transaction, while worker processes check the others; each
    returns its Merkle leaves as perfect subtrees cut at the signed sizes, grafted here in order to
    compare the tree's root at each signed size. The last range has no upper bound: entries appended
    meanwhile are checked too.
    """
    bounds = [head * k // workers for k in range(workers + 1)]
    sizes = tuple(roots)
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_check_range, url, bounds[k], None if k == workers - 1 else bounds[k + 1], sizes)
                       for k in range(1, workers)]
            with closing(audit_log.iter_chain_rows(session, after=None, upto=bounds[1])) as rows:
                checks = [check_range(rows, 0, sizes)]
            checks += [future.result() for future in futures]
    except Exception:  # processes that cannot start, or die: the one-pass walk reads (and reports) it all
        return None
    prev, tree, proven = GENESIS, merkle.CompactRange(), 0
    ahead = sorted(size for size in roots if size > 0)
    for k, check in enumerate(checks):
        last = k == workers - 1
        if not check.intact or check.first_prev != prev or (check.count != bounds[k + 1] - bounds[k] and not last):
            return None
        prev = check.last_hash or prev
        for height, root in check.subtrees:
            tree = graft(tree, height, root)
            if ahead and tree.size == ahead[0]:
                if tree.root() != roots[ahead.pop(0)]:
                    return None
                proven = tree.size
    total = bounds[-2] + checks[-1].count
    if ahead:
        return None
    return ChainReport(True, total, prev, checkpoints=len(roots), covered=proven)


def _check_range(url: str, after: int, upto: int | None, sizes: tuple[int, ...]) -> RangeCheck:
    """In a worker process: :func:`disburse.domain.audit.check_range` of the entries ``after < seq ≤ upto``."""
    db = Database(url)
    try:
        with db.reading() as tx, closing(audit_log.iter_chain_rows(tx.session, after=after, upto=upto)) as rows:
            return check_range(rows, after, sizes)
    finally:
        db.dispose()


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
                  path: str, reason: str, now: datetime | None = None) -> None:
    """Every denied access is logged (SPEC §6), in a transaction of its own."""
    with db.writing() as tx:
        audit_log.append(
            tx.session,
            action="access.denied",
            actor=actor,
            origin=origin,
            data={"status": status, "method": method, "path": path, "reason": reason},
            at=now or REAL.now(),
        )
        tx.commit()


def entity_history(session: Session, project_id: int, entity_type: str, entity_id: int) -> list[dict[str, Any]]:
    """The audit entries of one payment or acceptance, in log order: who did each step, and when.

    The caller has checked that the actor may see the entity (SPEC §6); the project id narrows the
    search to the project's entries (an indexed column).
    """
    rows = session.scalars(select(AuditEntry).where(
        AuditEntry.project_id == project_id, AuditEntry.entity_type == entity_type,
        AuditEntry.entity_id == str(entity_id)).order_by(AuditEntry.seq))
    return [entry_view(entry) for entry in rows]


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    data = json.loads(entry.data)
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": {"id": entry.actor_id, "username": entry.actor_username, "role": entry.actor_role},
        # under a delegation (代理, issue 21 item 2): the principal the actor acted for, as the hashed data says
        "on_behalf_of": data.get("on_behalf_of") if isinstance(data, dict) else None,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "project_id": entry.project_id,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "data": data,
        "note": entry.note,
        "request_id": entry.request_id,
        "client_addr": entry.client_addr,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def verify_as(db: Database, actor: Actor, public_keys: Sequence[str] = ()) -> ChainReport:
    """:func:`verify` for a user: inspectors, supervisors and admins (SPEC §8: served to inspectors)."""
    if actor.role not in VERIFIERS:
        raise Forbidden(f"the role {actor.role} may not verify the audit log", audit=True)
    return verify(db, public_keys)


def _level_column(actor: Actor) -> Any:
    """The stored jurisdiction column the actor's region is a value of; ``None`` for the national root."""
    levels = audit_log.region_levels(actor.region_code)
    for name in ("county_code", "prefecture_code", "province_code"):
        if levels[name] == actor.region_code:
            return getattr(AuditEntry, name)
    return None


def _visible(actor: Actor, *, by_index: bool = True) -> ColumnElement[bool]:
    """SQL condition: the entry lies inside the actor's jurisdiction (see :func:`browse`), read from the
    jurisdiction stored on the entry: one equality on an indexed column (national: any jurisdiction).

    ``by_index=False`` writes the same test so that no index serves it (``coalesce(column, '')``): when a
    narrower index should lead — one user's entries — neither SQLite, which keeps no statistics here,
    nor PostgreSQL then walks the whole jurisdiction instead.
    """
    column = _level_column(actor)
    if column is None:
        return AuditEntry.region_code.is_not(None)
    if not by_index:
        return func.coalesce(column, "") == actor.region_code
    return column == actor.region_code


def _outside(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: the entry belongs to a region outside the actor's jurisdiction (SPEC §6)."""
    column = _level_column(actor)
    if column is None:
        return false()
    return and_(AuditEntry.region_code.is_not(None), or_(column.is_(None), column != actor.region_code))


def entries_outside(session: Session, actor: Actor, seq: int | None = None) -> bool:
    """Whether the log (or its entry ``seq``) holds an entry about something outside the jurisdiction.

    The export (docs/audit-proofs.md §5) carries every entry, so only someone whose jurisdiction
    covers the whole log may take it away; a proof of an entry outside answers 404 like the entry
    itself (issue 10's authorization sweep found both open to any inspector).
    """
    query = select(AuditEntry.seq).where(_outside(actor))
    if seq is not None:
        query = query.where(AuditEntry.seq == seq)
    return session.scalar(query.limit(1)) is not None


def _require_browser(actor: Actor) -> None:
    if actor.role not in BROWSERS:
        raise Forbidden(f"the role {actor.role} may not browse the audit log", audit=True)


def local_day_start(day: date) -> datetime:
    """00:00 Asia/Shanghai of ``day``, in UTC (the log keeps UTC; people think in Beijing dates)."""
    return datetime.combine(day, time(0, 0), tzinfo=_SHANGHAI).astimezone(UTC)


#: Every distinct action of the log, found by a loose index scan: one probe of the action index per action
#: (a few dozen, however long the log is), in one recursive statement.
_ACTIONS_LOGGED = text(
    "WITH RECURSIVE logged(action) AS (SELECT min(action) FROM audit_entries UNION ALL "
    "SELECT (SELECT min(e.action) FROM audit_entries e WHERE e.action > logged.action) FROM logged "
    "WHERE logged.action IS NOT NULL) SELECT action FROM logged WHERE action IS NOT NULL")


def actions_logged(session: Session) -> list[str]:
    """Every action the log holds, in order."""
    return list(session.scalars(_ACTIONS_LOGGED))


def _by_action(session: Session, prefix: str, conditions: list[ColumnElement[bool]], order: Any,
               limit: int) -> ColumnElement[bool]:
    """SQL condition: the entry is among the newest ``limit`` (in ``order``) of each action that starts with
    ``prefix``, under ``conditions``. Each action is one short range of a (jurisdiction, action, seq) index,
    so a filter whose entries lie far back in the log reads a page's worth of rows, not the log back to
    them (issue 19)."""
    actions = [a for a in actions_logged(session) if a.startswith(prefix)]
    if not actions:
        return false()
    ranges = [select(AuditEntry.seq).where(*conditions, AuditEntry.action == a).order_by(order).limit(limit)
              .subquery() for a in actions]
    return AuditEntry.seq.in_(union_all(*(select(r.c.seq) for r in ranges)))


def browse(db: Database, actor: Actor, *, project_id: int | None = None, username: str | None = None,
           action: str | None = None, date_from: date | None = None, date_to: date | None = None,
           before: int | None = None, after: int | None = None, per_page: int = 50) -> dict[str, Any]:
    """The audit entries an inspector or supervisor may read, newest first, one page of them.

    Jurisdiction (SPEC §6, decided in docs/decisions.md "Issue 7"; stored on each entry since issue 19):
    an entry with a project belongs to the project's region. An entry without a project (logins,
    logouts, failed logins, user administration, denied accesses) belongs to the region of the user
    it is about (``entity_type == "user"``: a failed login on a county user's name, the creation of a
    county user by a national admin), else to its acting user's. It is visible when that region lies
    in the actor's region subtree. Entries with neither — a failed login on a name that does not
    exist, anonymous denied accesses — belong to no jurisdiction: they stay in the chain that
    :func:`verify` walks, not in anyone's browser.

    Filters: ``project_id``; ``username`` (the actor's, exact; read through its own index, since one
    user's entries are fewer than a jurisdiction's); ``action`` as a prefix
    (``"payment."`` is every payment step); ``date_from``/``date_to`` as dates in
    Asia/Shanghai, both included. Other roles get 403.

    Pages are keyset pages (issue 19), never counted: ``before`` gives the entries older than that
    sequence number, ``after`` those newer (still listed newest first); neither, the newest.
    ``next`` is the cursor of the older page (``before``), ``newer`` that of the newer one
    (``after``), each ``None`` when there is none. One statement reads ``per_page + 1`` rows.
    """
    _require_browser(actor)
    conditions = [_visible(actor, by_index=not username)]
    if project_id is not None:
        conditions.append(AuditEntry.project_id == project_id)
    if username:
        conditions.append(AuditEntry.actor_username == username)
    if action and (project_id is not None or username):  # a narrower index leads; the prefix filters it
        conditions.append(AuditEntry.action.startswith(action, autoescape=True))
    if date_from is not None:
        conditions.append(AuditEntry.at >= local_day_start(date_from))
    if date_to is not None:
        conditions.append(AuditEntry.at < local_day_start(date_to + timedelta(days=1)))
    newest_first = after is None
    if after is not None:
        conditions.append(AuditEntry.seq > after)
    elif before is not None:
        conditions.append(AuditEntry.seq < before)
    order = AuditEntry.seq.desc() if newest_first else AuditEntry.seq.asc()
    with db.reading() as tx:
        if action and project_id is None and not username:
            conditions.append(_by_action(tx.session, action, conditions, order, per_page + 1))
        rows = list(tx.session.scalars(select(AuditEntry).where(*conditions).order_by(order).limit(per_page + 1)))
        more = len(rows) > per_page
        rows = rows[:per_page]
        if not newest_first:
            rows.reverse()
        items = [entry_view(e) for e in rows]
    if newest_first:
        older, newer = more, before is not None
    else:
        older, newer = True, more
    return {"items": items, "per_page": per_page,
            "next": items[-1]["seq"] if items and older else None,
            "newer": items[0]["seq"] if items and newer else None}


def entry(db: Database, actor: Actor, seq: int) -> dict[str, Any]:
    """One entry with every field, if inside the actor's jurisdiction (as :func:`browse`); 404 otherwise.

    ``previous`` is the sequence number of the entry before it in the chain when the actor may
    read that one too, else ``None`` (its hash is still shown as this entry's ``prev_hash``).
    Both are read in one statement, by primary key, checked against their stored jurisdiction.
    """
    _require_browser(actor)
    with db.reading() as tx:
        found = {e.seq: e for e in tx.session.scalars(
            select(AuditEntry).where(AuditEntry.seq.in_((seq, seq - 1)), _visible(actor)))}
        if seq not in found:
            raise NotFound(f"no audit entry {seq}", audit=True)
        return {**entry_view(found[seq]), "previous": seq - 1 if seq - 1 in found else None}
