"""Audited payment ``approve`` steps per second against bare single-row commits (one and 8 clients).

The approve step is the real use case (:func:`disburse.services.payments.fire_event`) on verified
payments, by the county's finance user (who neither requested nor verified them). The baseline is the
raw driver, no SQLAlchemy: one ``INSERT`` of one row and ``COMMIT`` on a scratch table, through
Python's ``sqlite3`` with the pragmas :mod:`disburse.adapters.db` sets on every SQLite connection, or
through ``psycopg`` on PostgreSQL. The 8-client baseline is ``pgbench`` (tpcb-like) at a scale where
the 8 clients do not share a branch row. Every pair runs interleaved, baseline first.
"""

from __future__ import annotations

import multiprocessing as mp
import re
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench.common import Metric, actor, check, interleave, median
from bench.datagen import Generated
from disburse.adapters.db import Database
from disburse.clock import REAL
from disburse.services import payments
from disburse.services.context import Actor, Origin

ORIGIN = Origin(request_id="bench", client_addr="127.0.0.1")
SCRATCH = "bench_scratch"
#: What :mod:`disburse.adapters.db` sets on every SQLite connection it opens.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=30000",
                  "PRAGMA synchronous=NORMAL")
#: Raw commits per baseline round at least: a round of 40 bare SQLite commits lasts under a millisecond.
RAW_PER_ROUND = 1000
#: pgbench's scale for the 8-client baseline: one branch row per client at least (tpcb-like updates
#: a random branch of ``scale`` rows, so at ``-s 1`` all clients queue on one row).
PGBENCH_SCALE = 8


def _approver(db: Database, gen: Generated, project_id: int) -> Actor:
    return actor(db, f"finance-{gen.paying_projects[project_id]}")


def _verified(gen: Generated) -> Iterator[tuple[int, int]]:
    """(project id, payment id) of verified payments, projects interleaved."""
    queues = {pid: list(ids) for pid, ids in gen.verified_by_project.items()}
    while queues:
        for pid in list(queues):
            yield pid, queues[pid].pop(0)
            if not queues[pid]:
                del queues[pid]


def _consume(gen: Generated, used: list[tuple[int, int]]) -> None:
    """Forget payments that are approved now."""
    for pid, payment_id in used:
        gen.verified_by_project[pid].remove(payment_id)
        if not gen.verified_by_project[pid]:
            del gen.verified_by_project[pid]


class RawCommits:
    """Single-row ``INSERT`` + ``COMMIT`` through the raw driver on the bench's database."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        self.next_id = 0
        if self.sqlite:
            self.conn: Any = sqlite3.connect(parsed.database or "", isolation_level=None)
            for pragma in SQLITE_PRAGMAS:
                self.conn.execute(pragma)
        else:
            plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(plain, autocommit=True)
        self.conn.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        self.conn.execute(f"CREATE TABLE {SCRATCH} (id INTEGER PRIMARY KEY, v TEXT)")
        if not self.sqlite:
            self.conn.autocommit = False

    def per_second(self, n: int) -> float:
        """``n`` one-row transactions (``BEGIN``, ``INSERT``, ``COMMIT``), per second."""
        insert = f"INSERT INTO {SCRATCH} (id, v) VALUES ({'?' if self.sqlite else '%s'}, 'x')"
        t0 = time.perf_counter()
        for _ in range(n):
            self.next_id += 1
            if self.sqlite:
                self.conn.execute("BEGIN")
                self.conn.execute(insert, (self.next_id,))
                self.conn.execute("COMMIT")
            else:
                self.conn.execute(insert, (self.next_id,))
                self.conn.commit()
        return n / (time.perf_counter() - t0)

    def close(self) -> None:
        self.conn.close()


def _approves(db: Database, gen: Generated, batch: list[tuple[int, int]], actors: dict[int, Actor]) -> float:
    t0 = time.perf_counter()
    for pid, payment_id in batch:
        status, view = payments.fire_event(db, actors[pid], ORIGIN, payment_id, "approve", {}, now=REAL.now())
        assert status == 200 and view.state == "approved", view
    return len(batch) / (time.perf_counter() - t0)


#: Issue 19's floors: an approve against one raw single-row commit of the same driver.
TARGETS = {"sqlite": ">= 0.1", "postgresql": ">= 0.25"}


def approve_ratio(gen: Generated, name: str, *, rounds: int, per_round: int) -> Metric:
    """Approve steps/s over raw-driver commits/s, interleaved rounds, medians of each."""
    db = Database(gen.url)
    raw = RawCommits(gen.url)
    try:
        todo = list(_verified(gen))
        per_round = min(per_round, len(todo) // (rounds + 1))
        actors = {pid: _approver(db, gen, pid) for pid in gen.verified_by_project}
        raw.per_second(20)  # warm up both
        _approves(db, gen, todo[:5], actors)
        _consume(gen, todo[:5])
        todo = todo[5:]
        pair = interleave(rounds, lambda r: raw.per_second(max(per_round, RAW_PER_ROUND)),
                          lambda r: _approves(db, gen, todo[r * per_round:(r + 1) * per_round], actors))
        _consume(gen, todo[:rounds * per_round])
        driver = "sqlite3 (WAL, synchronous=NORMAL, foreign_keys, busy_timeout)" if raw.sqlite else "psycopg"
        target = TARGETS["sqlite" if raw.sqlite else "postgresql"]
        return Metric(name, round(median(pair.product), 1), "approve/s", round(median(pair.baseline), 1),
                      round(pair.ratio, 3), target, check(target, pair.ratio),
                      f"{rounds} interleaved rounds of {per_round} approves; baseline: raw {driver} 1-row "
                      f"insert+commit/s, rounds of {max(per_round, RAW_PER_ROUND)}",
                      {"per_s": pair.summary(1)})
    finally:
        raw.close()
        db.dispose()


def _worker(url: str, work: list[tuple[int, int]], actors: dict[int, Actor], start_at: float,
            seconds: float, out: Any) -> None:
    db = Database(url)
    done = 0
    try:
        time.sleep(max(0.0, start_at - time.time()))
        deadline = time.time() + seconds
        for pid, payment_id in work:
            if time.time() >= deadline:
                break
            status, _ = payments.fire_event(db, actors[pid], ORIGIN, payment_id, "approve", {}, now=REAL.now())
            assert status == 200
            done += 1
        out.put((done, time.time() - (deadline - seconds), done == len(work)))
    except BaseException as exc:  # reported to the parent, which raises
        out.put((-1, repr(exc), False))
    finally:
        db.dispose()


def approve_8_clients(gen: Generated, seconds: float, clients: int = 8) -> float:
    """Approve steps/s with ``clients`` processes, each on the projects of its own counties (8 clients on 8
    different counties, issue 19); approved payments are consumed."""
    db = Database(gen.url)
    actors = {pid: _approver(db, gen, pid) for pid in gen.verified_by_project}
    db.dispose()
    shares: list[list[tuple[int, int]]] = [[] for _ in range(clients)]
    counties = sorted({gen.paying_projects[pid] for pid in gen.verified_by_project})
    client_of = {county: i % clients for i, county in enumerate(counties)}
    for pid in sorted(gen.verified_by_project):
        shares[client_of[gen.paying_projects[pid]]].extend((pid, p) for p in gen.verified_by_project[pid])
    ctx = mp.get_context("fork")
    outs = [ctx.Queue() for _ in shares]
    start_at = time.time() + 2.0
    procs = [ctx.Process(target=_worker, args=(gen.url, share, actors, start_at, seconds, out))
             for share, out in zip(shares, outs, strict=True)]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for out in outs]
    for p in procs:
        p.join()
    failed = [t for n, t, _ in results if n < 0]
    if failed:
        raise RuntimeError(f"an approve client failed: {failed[0]}")
    for share, (n, _, _) in zip(shares, results, strict=True):
        _consume(gen, share[:n])
    done = sum(n for n, _, _ in results)
    elapsed = max(t for _, t, _ in results)
    if any(exhausted for _, _, exhausted in results):
        raise RuntimeError("a client ran out of verified payments; generate more")
    return done / elapsed


class PgBench:
    """``pgbench`` (tpcb-like) in a scratch database of the same server, created at
    :data:`PGBENCH_SCALE` and dropped by :meth:`close` (never the admin database itself)."""

    def __init__(self, admin_url: str, scale: int = PGBENCH_SCALE) -> None:
        url = make_url(admin_url)
        self.args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
        self.name = f"disburse_bench_pgbench_{uuid.uuid4().hex[:8]}"
        self.scale = scale
        subprocess.run(["createdb", *self.args, self.name], check=True, capture_output=True)
        try:
            subprocess.run(["pgbench", *self.args, "-i", "-q", "-s", str(scale), self.name], check=True,
                           capture_output=True)
        except BaseException:
            self.close()
            raise

    def tps(self, seconds: int, clients: int = 8) -> float:
        run = subprocess.run(["pgbench", *self.args, "-c", str(clients), "-j", "2", "-T", str(seconds), self.name],
                             check=True, capture_output=True, text=True)
        match = re.search(r"tps = ([0-9.]+)", run.stdout)
        if match is None:
            raise RuntimeError(f"no tps in pgbench output:\n{run.stdout}")
        return float(match.group(1))

    def close(self) -> None:
        subprocess.run(["dropdb", *self.args, "--if-exists", self.name], check=False, capture_output=True)


def approve_tps_postgres_8(gen: Generated, admin_url: str, seconds: int, rounds: int) -> Metric:
    """8 approving processes against ``pgbench -c 8``, interleaved rounds, medians of each."""
    bench = PgBench(admin_url)
    try:
        pair = interleave(rounds, lambda r: bench.tps(seconds), lambda r: approve_8_clients(gen, seconds))
    finally:
        bench.close()
    return Metric("approve_tps_postgres_8", round(median(pair.product), 1), "approve/s",
                  round(median(pair.baseline), 1), round(pair.ratio, 3), ">= 0.15", check(">= 0.15", pair.ratio),
                  f"8 processes, {rounds} interleaved rounds of {seconds}s; baseline: pgbench -c 8 -j 2 "
                  f"-T {seconds} tpcb-like, scale {bench.scale} (a branch row per client)",
                  {"per_s": pair.summary(1)})
