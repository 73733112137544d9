"""What bounds an approve: the product's step against its own statements replayed through the raw driver.

    python -m bench.approve_floor sqlite:////tmp/floor.db
    python -m bench.approve_floor postgresql://postgres@127.0.0.1:5432/SCRATCH   (an empty database)

Generates 60 projects / 6 000 payments, times 300 approves through the service (wall and Python CPU),
captures the statements of one approve and replays them through ``sqlite3`` or ``psycopg`` in a
transaction that rolls back (the entry's number and hash replaced so that it does not collide), each
statement timed, then times a raw single-row insert and commit (docs/performance.md "What bounds the
targets still missed").
"""

import sqlite3
import sys
import time
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.datagen import Scale, generate
from bench.metrics.approve import SQLITE_PRAGMAS, _approver, _verified
from disburse.adapters.db import Database
from disburse.clock import REAL
from disburse.services import payments
from disburse.services.context import Origin

ORIGIN = Origin("floor", "127.0.0.1")


def _fresh_entry(sql: str, params: Any) -> Any:
    """The audit insert's parameters with an unused number and hash (the replay rolls back anyway)."""
    if isinstance(params, dict) and "e_seq" in params:
        return {**params, "e_seq": 10**12, "e_hash": "f" * 64}
    if sql.startswith("INSERT INTO audit_entries"):
        columns = [c.strip() for c in sql[sql.index("(") + 1:sql.index(")")].split(",")]
        values = list(params)
        values[columns.index("seq")], values[columns.index("hash")] = 10**12, "f" * 64
        return tuple(values)
    return params


def main(url: str, n: int = 300) -> None:
    gen = generate(url, Scale(60, 6000, 5000, "floor"))
    db = Database(url)
    todo = list(_verified(gen))
    actors = {pid: _approver(db, gen, pid) for pid in gen.verified_by_project}
    for pid, payment_id in todo[:20]:  # warm
        payments.fire_event(db, actors[pid], ORIGIN, payment_id, "approve", {}, now=REAL.now())
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        captured.append((sql, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    pid, payment_id = todo[20]
    payments.fire_event(db, actors[pid], ORIGIN, payment_id, "approve", {}, now=REAL.now())
    event.remove(db.engine, "before_cursor_execute", capture)
    rest = todo[21:21 + n]
    cpu, wall = time.process_time(), time.perf_counter()
    for pid, payment_id in rest:
        payments.fire_event(db, actors[pid], ORIGIN, payment_id, "approve", {}, now=REAL.now())
    wall, cpu = (time.perf_counter() - wall) / len(rest), (time.process_time() - cpu) / len(rest)
    db.dispose()
    statements = [(sql, _fresh_entry(sql, params)) for sql, params in captured if not sql.startswith("BEGIN")]
    print(f"approve through the service: {1000 * wall:.3f} ms wall, {1000 * cpu:.3f} ms Python CPU, "
          f"{len(statements)} statements")
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        conn: Any = sqlite3.connect(parsed.database or "", isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
    else:
        conn = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False),
                               autocommit=True)
    each = [0.0] * len(statements)
    rounds = 200
    for r in range(rounds + 20):
        conn.execute("BEGIN IMMEDIATE" if sqlite else "BEGIN")
        for i, (sql, params) in enumerate(statements):
            start = time.perf_counter()
            conn.execute(sql, params).fetchall() if sqlite else conn.execute(sql, params)
            if r >= 20:
                each[i] += time.perf_counter() - start
        conn.execute("ROLLBACK")
    total = sum(each) / rounds
    for (sql, _), spent in zip(statements, each, strict=True):
        print(f"  {1000 * spent / rounds:7.3f} ms  {' '.join(sql.split())[:100]}")
    conn.execute("CREATE TABLE floor_commit (x integer)")  # a table of the database: a temporary one skips the log
    start = time.perf_counter()
    for i in range(1000):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO floor_commit VALUES (?)" if sqlite else "INSERT INTO floor_commit VALUES (%s)", (i,))
        conn.execute("COMMIT")
    commit = (time.perf_counter() - start) / 1000
    conn.execute("DROP TABLE floor_commit")
    conn.close()
    print(f"the same statements through the raw driver: {1000 * total:.3f} ms (rolled back); "
          f"a raw 1-row insert+commit: {1000 * commit:.3f} ms")


if __name__ == "__main__":
    main(sys.argv[1])
