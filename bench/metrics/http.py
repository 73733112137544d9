"""``GET /api/v1/projects/{id}`` against a bare Flask hello app outside the product, both under gunicorn.

Both servers run at once with the same worker count, the same gunicorn settings and the same load
generator settings; their rounds are interleaved (hello, project, hello, project …).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import loadgen
from bench.common import Metric, bearer, check, interleave, median
from bench.datagen import Generated
from disburse.adapters.db import Database

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(module: str, ready: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """gunicorn as ``disburse serve`` runs it (N sync workers, timeout 60) on ``module``, once ``ready`` answers."""
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--timeout", "60",
                             "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", module],
                            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not answer")


def http_project_ratio(gen: Generated, *, seconds: float, rounds: int, workers: int = 2) -> Metric:
    db = Database(gen.url)
    county = next(iter(sorted(set(gen.paying_projects.values()))))
    project_id = min(p for p, c in gen.paying_projects.items() if c == county)
    headers = bearer(db, f"commerce-{county}")
    db.dispose()
    product_port, hello_port = _free_port(), _free_port()
    path = f"/api/v1/projects/{project_id}"
    with tempfile.TemporaryDirectory() as tmp:
        product = _serve("bench.wsgi_bench:app", "/bench/ping", product_port, workers,
                         {"DISBURSE_DATABASE_URL": gen.url, "DISBURSE_SECRET_KEY": "bench-secret",
                          "DISBURSE_INSTANCE_PATH": tmp})
        try:
            hello = _serve("bench.hello_app:app", "/", hello_port, workers, {})
            try:
                loadgen.requests_per_second(hello_port, "/", headers, 1.0)  # warm up
                loadgen.requests_per_second(product_port, path, headers, 1.0)
                pair = interleave(rounds, lambda r: loadgen.requests_per_second(hello_port, "/", headers, seconds),
                                  lambda r: loadgen.requests_per_second(product_port, path, headers, seconds))
            finally:
                _stop(hello)
        finally:
            _stop(product)
    return Metric("http_project_ratio", round(median(pair.product), 1), "req/s", round(median(pair.baseline), 1),
                  round(pair.ratio, 3), ">= 0.25", check(">= 0.25", pair.ratio),
                  f"gunicorn {workers} sync workers each; baseline: a bare Flask hello app (bench/hello_app.py) "
                  f"under its own gunicorn; load: {loadgen.tool()}, 8 connections, {rounds} interleaved rounds "
                  f"of {seconds}s", {"per_s": pair.summary(1)})


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
