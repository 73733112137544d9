"""``python bench/run.py [--quick] [--json FILE]``: build the data, run every metric with its baseline.

Every measurement and its baseline run in the same run, interleaved (baseline, product, baseline,
product …, at least three rounds; :func:`bench.common.interleave`); min, median and max of each side
go into the JSON output and ratios are computed from the medians. The full run generates
3 000 projects / 100 000 payments / 1 000 000 audit entries on SQLite (and a tenth of that for the
growth baseline); ``--quick`` generates a tenth of each and says so. PostgreSQL gets the quick scale
with ``--quick`` and a third of full otherwise (its metrics are the approve path, which reads one
contract's rows; the scale only has to feed 8 clients).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import loadgen  # noqa: E402
from bench.common import Metric, check, interleave  # noqa: E402
from bench.datagen import Generated, Scale, generate  # noqa: E402
from bench.metrics import approve, audit, http, pages  # noqa: E402

PG_URL = os.environ.get("DISBURSE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    """A scratch PostgreSQL database on the server, dropped afterwards."""
    name = f"disburse_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(env: dict[str, Any], key: str, fn: Callable[[], Generated]) -> Generated:
    t0 = time.perf_counter()
    gen = fn()
    env.setdefault("datagen_seconds", {})[key] = round(time.perf_counter() - t0, 1)
    log(f"generated {key}: {gen.projects} projects, {gen.payments} payments, {gen.audit_entries} audit entries")
    return gen


def _p95(site: pages.Site, kind: str, samples: int, _round: int) -> float:
    return site.p95(kind, samples)


def page_metrics(big: Generated, small: Generated, rounds: int, samples: int) -> list[Metric]:
    """p95 per page kind at 10× and 1× data, interleaved (1×, 10×, 1×, 10× …); growth is the same
    kind's median p95 at 10× over its median p95 at 1×; statements per request at each scale."""
    by_kind: dict[str, dict[str, Any]] = {}
    with pages.sites(small, big) as (one, ten):
        for kind in one.plan:
            log(f"  page {kind}")
            pair = interleave(rounds, partial(_p95, one, kind, samples), partial(_p95, ten, kind, samples))
            summary = pair.summary()
            by_kind[kind] = {"p95_ms_1x": summary["baseline"], "p95_ms_10x": summary["product"],
                             "growth": round(pair.ratio, 3), "order": summary["order"],
                             "statements_1x": one.statements_of(kind), "statements_10x": ten.statements_of(kind),
                             "requests": [path for _, path in ten.plan[kind]][:4]}
    api = {k: v for k, v in by_kind.items() if k in pages.API_KINDS}
    role = {k: v for k, v in by_kind.items() if k not in pages.API_KINDS}
    scales = f"{big.projects} projects (10×) and {small.projects} (1×)"
    out = []
    for name, group, what in (("dashboard", api, "project list and approval queue API"),
                              ("pages", role, "role pages: desks, /audit, /public, project page")):
        worst = max(group, key=lambda k: group[k]["p95_ms_10x"]["median"])
        steepest = max(group, key=lambda k: group[k]["growth"])
        p95 = group[worst]["p95_ms_10x"]["median"]
        growth = group[steepest]["growth"]
        detail = {"by_kind": group, "rounds": rounds, "samples_per_round": samples}
        out += [
            Metric(f"{name}_p95_ms", p95, "ms", None, None, "< 100", check("< 100", p95),
                   f"SQLite, Flask test client; {what}; the largest median p95 over kinds ({worst}) at "
                   f"{big.projects} projects", detail),
            Metric(f"{name}_growth", growth, "×", group[steepest]["p95_ms_1x"]["median"], growth, "<= 1.5",
                   check("<= 1.5", growth), f"each kind's median p95 at {scales}, same page; the steepest kind "
                   f"({steepest}); baseline = its 1× p95 in ms", {}),
        ]
    return out


#: The groups of measurements, in the order they run (``--only`` picks some).
GROUPS = ("pages", "verify", "http", "approve_sqlite", "postgres")


def run(quick: bool, workdir: Path, only: tuple[str, ...] = GROUPS) -> tuple[list[Metric], dict[str, Any]]:
    scale = Scale.quick() if quick else Scale()
    env: dict[str, Any] = {
        "mode": "quick: a TENTH of the full scale" if quick else "full",
        "scale": {"projects": scale.projects, "payments": scale.payments, "audit_entries": scale.audit_entries},
        "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
        "cpus": os.cpu_count(), "load_generator": loadgen.tool(), "postgres_url": PG_URL,
    }
    metrics: list[Metric] = []
    big = timed(env, "sqlite", lambda: generate(f"sqlite:///{workdir / 'big.db'}", scale))
    small = timed(env, "sqlite_tenth", lambda: generate(f"sqlite:///{workdir / 'small.db'}", scale.tenth()))

    if "pages" in only:
        log("pages")
        metrics += page_metrics(big, small, rounds=3, samples=20 if quick else 40)
    if "verify" in only:
        log("audit verify")
        metrics.append(audit.audit_verify_ratio(big.url))
    if "http" in only:
        log("http")
        metrics.append(http.http_project_ratio(big, seconds=3 if quick else 5, rounds=3))
    if "approve_sqlite" in only:
        log("approve sqlite")
        metrics.append(approve.approve_ratio(big, "approve_ratio_sqlite", rounds=5, per_round=40 if quick else 100))
    if "postgres" not in only:
        return metrics, env

    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            env["postgres"] = row[0] if row else "?"
    except psycopg.Error as exc:
        env["postgres"] = f"unreachable: {exc.__class__.__name__}"
        log("PostgreSQL unreachable: its metrics are skipped")
        return metrics, env
    with pg_database(PG_URL) as url:
        pg_scale = Scale.quick() if quick else Scale(1000, 60_000, 300_000,
                                                      "a third of full, twice the payments (PostgreSQL)")
        env["postgres_scale"] = pg_scale.label
        pg = timed(env, "postgres", lambda: generate(url, pg_scale))
        log("approve postgres")
        single = approve.approve_ratio(pg, "approve_ratio_postgres", rounds=5, per_round=40 if quick else 80)
        metrics.append(single)
        log("approve postgres ×8 and pgbench")
        eight = approve.approve_tps_postgres_8(pg, PG_URL, seconds=2 if quick else 4, rounds=3)
        metrics.append(eight)
        scaling = round(eight.value / single.value, 2)
        metrics.append(Metric("approve_scaling_postgres_8", scaling, "×", single.value, scaling, ">= 3",
                              check(">= 3", scaling), "8 clients on 8 different counties over one client (the "
                              "medians above, measured minutes apart in this run)", {}))
    return metrics, env


def table(metrics: list[Metric], env: dict[str, Any]) -> str:
    rows = [("metric", "value", "unit", "baseline", "ratio", "target", "ok")]
    for m in metrics:
        rows.append((m.name, f"{m.value:g}", m.unit, "" if m.baseline is None else f"{m.baseline:g}",
                     "" if m.ratio is None else f"{m.ratio:g}", m.target, "yes" if m.ok else "NO"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {m.name}: {m.note}" for m in metrics if m.note]
    return "\n".join([f"mode: {env['mode']}", *lines, "", *notes])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, shorter runs (< 3 min)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--workdir", type=Path, help="keep the generated SQLite files here")
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"comma-separated groups to measure (default all: {','.join(GROUPS)})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="disburse-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for stale in workdir.glob("*.db*"):
            stale.unlink()
        only = tuple(g for g in args.only.split(",") if g)
        unknown = set(only) - set(GROUPS)
        if unknown:
            parser.error(f"unknown group(s) {', '.join(sorted(unknown))}; one of {', '.join(GROUPS)}")
        metrics, env = run(args.quick, workdir, only)
    env["seconds"] = round(time.perf_counter() - started, 1)
    print(table(metrics, env))
    print(f"\n(run took {env['seconds']} s)")
    if args.json:
        args.json.write_text(json.dumps({"metrics": [m.as_json() for m in metrics], "env": env},
                                        indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
