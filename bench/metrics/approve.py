"""Audited payment ``approve`` steps per second against bare single-row commits (one and 8 clients).

The approve step is the real use case (:func:`disburse.services.payments.fire_event`) on verified
payments, by the county's finance user (who neither requested nor verified them). The baseline is a
bare ``INSERT`` of one row and ``COMMIT`` on a scratch table through the same
:class:`~disburse.adapters.db.Database` (same engine, same pragmas, ``BEGIN IMMEDIATE`` on SQLite).
"""

from __future__ import annotations

import multiprocessing as mp
import re
import subprocess
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text

from bench.common import Metric, actor, check, median
from bench.datagen import Generated
from disburse.adapters.db import Database
from disburse.clock import REAL
from disburse.services import payments
from disburse.services.context import Actor, Origin

ORIGIN = Origin(request_id="bench", client_addr="127.0.0.1")
SCRATCH = "bench_scratch"


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


def _scratch(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {SCRATCH}"))
        conn.execute(text(f"CREATE TABLE {SCRATCH} (id INTEGER PRIMARY KEY, v TEXT)"))


def _bare_commits(db: Database, n: int, start: int) -> float:
    """Single-row insert + commit per second, each in its own writing transaction."""
    t0 = time.perf_counter()
    for i in range(start, start + n):
        with db.writing() as tx:
            tx.session.execute(text(f"INSERT INTO {SCRATCH} (id, v) VALUES (:i, 'x')"), {"i": i})
            tx.commit()
    return n / (time.perf_counter() - t0)


def _approves(db: Database, gen: Generated, batch: list[tuple[int, int]], actors: dict[int, Actor]) -> float:
    t0 = time.perf_counter()
    for pid, payment_id in batch:
        status, view = payments.fire_event(db, actors[pid], ORIGIN, payment_id, "approve", {}, now=REAL.now())
        assert status == 200 and view["state"] == "approved", view
    return len(batch) / (time.perf_counter() - t0)


def approve_ratio(gen: Generated, name: str, *, rounds: int, per_round: int) -> Metric:
    """Approve steps/s over bare commits/s, alternating rounds, medians of each."""
    db = Database(gen.url)
    try:
        _scratch(db)
        todo = list(_verified(gen))
        per_round = min(per_round, len(todo) // rounds)
        actors = {pid: _approver(db, gen, pid) for pid in gen.verified_by_project}
        _bare_commits(db, 20, 10_000_000)  # warm up the engine
        _approves(db, gen, todo[:5], actors)
        _consume(gen, todo[:5])
        todo = todo[5:]
        steps, bare = [], []
        for r in range(rounds):
            steps.append(_approves(db, gen, todo[r * per_round:(r + 1) * per_round], actors))
            bare.append(_bare_commits(db, per_round, r * per_round))
        used = todo[:rounds * per_round]
        _consume(gen, used)
        value, baseline = median(steps), median(bare)
        ratio = value / baseline
        return Metric(name, round(value, 1), "approve/s", round(baseline, 1), round(ratio, 3), ">= 0.5",
                      check(">= 0.5", ratio), f"{rounds} rounds of {per_round}; baseline: bare 1-row insert+commit/s",
                      {"approve_per_s": [round(x, 1) for x in steps], "bare_per_s": [round(x, 1) for x in bare]})
    finally:
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
    """Approve steps/s with ``clients`` processes, each on its own projects."""
    db = Database(gen.url)
    actors = {pid: _approver(db, gen, pid) for pid in gen.verified_by_project}
    db.dispose()
    shares: list[list[tuple[int, int]]] = [[] for _ in range(clients)]
    for i, pid in enumerate(sorted(gen.verified_by_project)):
        shares[i % clients].extend((pid, p) for p in gen.verified_by_project[pid])
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 2.0
    procs = [ctx.Process(target=_worker, args=(gen.url, share, actors, start_at, seconds, out)) for share in shares]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    failed = [t for n, t, _ in results if n < 0]
    if failed:
        raise RuntimeError(f"an approve client failed: {failed[0]}")
    done = sum(n for n, _, _ in results)
    elapsed = max(t for _, t, _ in results)
    if any(exhausted for _, _, exhausted in results):
        raise RuntimeError("a client ran out of verified payments; generate more")
    return done / elapsed


def pgbench_tps(admin_url: str, seconds: int, clients: int = 8) -> float:
    """``pgbench -c 8`` (tpcb-like) on a scratch database of the same server."""
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    name = "disburse_bench_pgbench"
    subprocess.run(["dropdb", *args, "--if-exists", name], check=True, capture_output=True)
    subprocess.run(["createdb", *args, name], check=True, capture_output=True)
    try:
        subprocess.run(["pgbench", *args, "-i", "-q", "-s", "1", name], check=True, capture_output=True)
        run = subprocess.run(["pgbench", *args, "-c", str(clients), "-j", "2", "-T", str(seconds), name],
                             check=True, capture_output=True, text=True)
    finally:
        subprocess.run(["dropdb", *args, "--if-exists", name], check=False, capture_output=True)
    match = re.search(r"tps = ([0-9.]+)", run.stdout)
    if match is None:
        raise RuntimeError(f"no tps in pgbench output:\n{run.stdout}")
    return float(match.group(1))


def approve_tps_postgres_8(gen: Generated, admin_url: str, seconds: int) -> Metric:
    tps = approve_8_clients(gen, seconds)
    base = pgbench_tps(admin_url, seconds)
    ratio = tps / base
    return Metric("approve_tps_postgres_8", round(tps, 1), "approve/s", round(base, 1), round(ratio, 3),
                  ">= 0.25", check(">= 0.25", ratio),
                  f"8 processes, {seconds}s each; baseline: pgbench -c 8 -j 2 -T {seconds} tpcb-like, scale 1")
