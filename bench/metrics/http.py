"""``GET /api/v1/projects/{id}`` against a trivial JSON endpoint of the same app under gunicorn."""

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
from bench.common import Metric, bearer, check, median
from bench.datagen import Generated
from disburse.adapters.db import Database

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(url: str, port: int, workers: int, instance: str) -> subprocess.Popen[bytes]:
    """gunicorn as ``disburse serve`` runs it (N sync workers, timeout 60), on the bench's WSGI module."""
    env = {**os.environ, "DISBURSE_DATABASE_URL": url, "DISBURSE_SECRET_KEY": "bench-secret",
           "DISBURSE_INSTANCE_PATH": instance}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--timeout", "60",
                             "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                             "bench.wsgi_bench:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/ping", timeout=2):
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
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = _serve(gen.url, port, workers, tmp)
        try:
            project, trivial = [], []
            path = f"/api/v1/projects/{project_id}"
            loadgen.requests_per_second(port, path, headers, 1.0)  # warm up
            loadgen.requests_per_second(port, "/bench/ping", headers, 1.0)
            for _ in range(rounds):
                project.append(loadgen.requests_per_second(port, path, headers, seconds))
                trivial.append(loadgen.requests_per_second(port, "/bench/ping", headers, seconds))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    value, baseline = median(project), median(trivial)
    ratio = value / baseline
    return Metric("http_project_ratio", round(value, 1), "req/s", round(baseline, 1), round(ratio, 3), ">= 0.5",
                  check(">= 0.5", ratio),
                  f"gunicorn {workers} sync workers; load: {loadgen.tool()}, 8 connections, {rounds}×{seconds}s",
                  {"project_rps": [round(x, 1) for x in project], "ping_rps": [round(x, 1) for x in trivial]})
