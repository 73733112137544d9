"""Benchmark: ``disburse audit verify`` against a bare SHA-256 loop (SPEC §12, issue 5).

``measure(url)`` times :func:`disburse.services.audit.verify` over the entries
already in the database and the baseline, alternating (medians of ``repeats``
rounds each; the bytes stay in memory across the rounds): the very
bytes the verifier hashes (``encode_row`` of every entry, built beforehand and
held in a list) hashed in a plain ``for`` loop, ``h = sha256(b).hexdigest()``,
which is what the verifier computes per entry (the canonical bytes carry the
previous hash, so this is the chain). ``ratio = value / baseline``; the bar is ≤ 4
(issue 19). The baseline reads nothing from the database and encodes nothing: what
separates the two is measured with ``--profile``.

``fill(url, n)`` appends ``n`` realistic chained entries after the current head
with a bulk insert (``executemany`` on SQLite, ``COPY`` on PostgreSQL), hashing
with the same canonical encoder as the application. Run the schema migration
first. From the command line::

    python -m bench.audit_verify sqlite:////tmp/audit.db --fill 200000 --profile
"""

import argparse
import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import Pair, median, spread
from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.domain.audit import CANONICAL_ORDER, GENESIS, canonical_json, encode_row, encode_rows, format_time
from disburse.services import audit

_ACTIONS = (
    ("payment.approve", "payment", "finance", "requested", "approved"),
    ("project.file", "project", "commerce", "plan_drafted", "filed"),
    ("user.login", None, "inspector", None, None),
    ("payment.disburse", "payment", "treasury", "approved", "disbursed"),
    ("document.upload", "document", "commerce", None, None),
)
_COLUMNS = ("seq", "at", "actor_id", "actor_username", "actor_role", "action", "entity_type", "entity_id",
            "project_id", "from_state", "to_state", "data", "note", "request_id", "client_addr",
            "prev_hash", "hash")


def _entries(start_seq: int, prev: str, n: int) -> list[dict[str, Any]]:
    t0 = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    out = []
    for seq in range(start_seq, start_seq + n):
        action, entity_type, role, from_state, to_state = _ACTIONS[seq % len(_ACTIONS)]
        project = seq % 3000 + 1
        record: dict[str, Any] = {
            "seq": seq,
            "at": t0 + timedelta(microseconds=seq * 1_234_567),
            "actor_id": seq % 97 + 1,
            "actor_username": f"user-{seq % 97 + 1}",
            "actor_role": role,
            "action": action,
            "entity_type": entity_type,
            "entity_id": None if entity_type is None else str(seq % 100_000 + 1),
            "project_id": None if entity_type is None else project,
            "from_state": from_state,
            "to_state": to_state,
            "data": canonical_json({"amount": f"{seq % 1_000_000}.00", "project_id": project,
                                    "payment_id": seq % 100_000 + 1, "reason": "按合同约定支付"}),
            "note": "审核通过" if seq % 7 == 0 else None,
            "request_id": f"{seq:032x}",
            "client_addr": f"10.0.0.{seq % 250}",
            "prev_hash": prev,
        }
        row = tuple(format_time(record["at"]) if k == "at" else record[k] for k in CANONICAL_ORDER)
        record["hash"] = prev = hashlib.sha256(encode_row(row)).hexdigest()
        out.append(record)
    return out


def fill(database_url: str, n: int, *, chunk: int = 50_000) -> None:
    """Append ``n`` chained entries after the current head (the schema must exist)."""
    db = Database(database_url)
    try:
        with db.writing() as tx:
            conn = tx.session.connection()
            last = conn.exec_driver_sql("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1").first()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            dbapi: Any = conn.connection.driver_connection
            cur = dbapi.cursor()
            done = 0
            while done < n:
                batch = _entries(seq + done, prev, min(chunk, n - done))
                prev = batch[-1]["hash"]
                done += len(batch)
                if db.dialect == "postgresql":
                    with cur.copy(f"COPY audit_entries ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                        for r in batch:
                            copy.write_row(tuple(r[c] for c in _COLUMNS))
                else:
                    cur.executemany(
                        f"INSERT INTO audit_entries ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                        [tuple(r[c].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if c == "at" else r[c]
                               for c in _COLUMNS) for r in batch])
            audit_log.sync_head(tx.session)  # PostgreSQL numbers the next entry from its head row
            tx.commit()
    finally:
        db.dispose()


def _bytes_verified(db: Database) -> list[bytes]:
    """Exactly the bytes the verifier hashes, one per entry, in order."""
    with db.reading() as tx:
        return [encode_row(row) for rows in audit_log.iter_chain_rows(tx.session) for row in rows]


def _bare_loop(blobs: list[bytes]) -> float:
    sha256 = hashlib.sha256
    start = time.perf_counter()
    h = GENESIS
    for b in blobs:
        h = sha256(b).hexdigest()
    elapsed = time.perf_counter() - start
    assert h  # the last hash is the head
    return elapsed


def _timed_verify(db: Database, **options: Any) -> tuple[float, int]:
    start = time.perf_counter()
    report = audit.verify(db, **options)
    elapsed = time.perf_counter() - start
    if not report.ok:
        raise RuntimeError(f"the chain is broken at seq {report.first_broken}: {report.reason}")
    return elapsed, report.entries


def _read(db: Database, encode: bool) -> float:
    """Seconds to stream every row as the verifier does (and, with ``encode``, to encode each row)."""
    start = time.perf_counter()
    with db.reading() as tx:
        for rows in audit_log.iter_chain_rows(tx.session):
            if encode:
                encode_rows(rows)
    return time.perf_counter() - start


def measure(database_url: str, *, repeats: int = 3, profile: bool = False) -> dict[str, Any]:
    """Seconds of the bare loop and of ``audit verify``, alternating (loop, verify, loop, verify …); their
    medians, ratio, and every round (``seconds``: min / median / max).

    The baseline is a bare ``sha256(b).hexdigest()`` loop over the canonical bytes already in memory
    (built once, beforehand): no database read, no encoding. ``audit verify`` runs as the CLI runs it:
    ranges in parallel processes from :data:`disburse.services.audit.PARALLEL_FROM` entries on. With
    ``profile`` each round also times what bounds it, in the same interleaving: the verify in one
    process (``one_pass``), streaming the rows only (``read``) and streaming plus encoding them
    (``read_encode``); ``per_entry_us`` gives each median per entry.
    """
    db = Database(database_url)
    pair = Pair()
    parts: dict[str, list[float]] = {"one_pass": [], "read": [], "read_encode": []}
    entries = 0
    try:
        blobs = _bytes_verified(db)
        for _ in range(repeats):
            pair.baseline.append(_bare_loop(blobs))
            pair.order.append("baseline")
            elapsed, entries = _timed_verify(db)
            pair.product.append(elapsed)
            pair.order.append("product")
            if profile:
                parts["one_pass"].append(_timed_verify(db, workers=1)[0])
                parts["read"].append(_read(db, encode=False))
                parts["read_encode"].append(_read(db, encode=True))
    finally:
        db.dispose()
    seconds = pair.summary(4)
    result = {"value": median(pair.product), "baseline": median(pair.baseline), "ratio": pair.ratio,
              "entries": entries, "workers": os.cpu_count() if entries >= audit.PARALLEL_FROM else 1,
              "seconds": seconds}
    if profile and entries:
        seconds.update({name: spread(values, 4) for name, values in parts.items()})
        per_entry = {"hash": median(pair.baseline), "verify": median(pair.product),
                     **{name: median(values) for name, values in parts.items()}}
        result["per_entry_us"] = {name: round(value / entries * 1e6, 3) for name, value in per_entry.items()}
        result["ratio_one_pass"] = median(parts["one_pass"]) / median(pair.baseline)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--fill", type=int, default=0, help="append this many entries first")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also time one process, the read and the encoding")
    args = parser.parse_args()
    if args.fill:
        from disburse.adapters.migrations import upgrade

        upgrade(args.database_url)
        start = time.perf_counter()
        fill(args.database_url, args.fill)
        print(f"filled {args.fill} entries in {time.perf_counter() - start:.1f} s")
    print(measure(args.database_url, repeats=args.repeats, profile=args.profile))


if __name__ == "__main__":
    main()
