"""``disburse demo`` and ``disburse serve`` as real gunicorn servers over real HTTP."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from disburse.services.demo import CONTRACTOR_A, CONTRACTOR_B
from tests.cli import SCRIPT
from tests.server_process import free_port, request, start, stop


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    env = {"DISBURSE_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("DISBURSE_DATABASE_URL", None)
    proc = start(["demo"], {**env, "DISBURSE_DATABASE_URL": ""}, port, tmp_path / "demo.log")
    yield port, tmp_path / "demo.log"
    stop(proc)


def test_the_demo_serves_its_county_to_the_printed_logins(demo: tuple[int, Path]) -> None:
    port, log = demo
    printed = log.read_text(encoding="utf-8", errors="replace")
    assert "demo-commerce" in printed and "disburse-demo" in printed and "demo-inspector" in printed
    assert "霞浦县 350921" in printed and "古田县 350922" in printed and "宁德市 350900" in printed
    assert CONTRACTOR_A in printed and CONTRACTOR_B in printed
    base = f"http://127.0.0.1:{port}/api/v1"

    def token(username: str) -> str:
        status, body = request(f"{base}/auth/tokens", {"username": username, "password": "disburse-demo"})
        assert status == 201, body
        return str(body["token"])

    status, page = request(f"{base}/projects", token=token("demo-commerce"))
    assert status == 200 and {p["region"]["name"] for p in page["items"]} == {"霞浦县"} and page["total"] == 3
    status, page = request(f"{base}/projects", token=token("demo-supervisor"))
    assert {p["region"]["name"] for p in page["items"]} == {"霞浦县", "古田县"}
    assert {"filed", "tendered", "staged_acceptance", "closed"} <= {p["state"] for p in page["items"]}
    second = token("demo-finance-2")
    status, queue = request(f"{base}/payments/queue", token=second)
    approved = next(p for p in queue["items"] if p["state"] == "approved")
    status, explained = request(f"{base}/payments/{approved['id']}/events/disburse", token=second)
    assert status == 200 and explained["allowed"] is True, explained


def test_serve_runs_several_workers_on_postgresql(database_url: str, backend: str, tmp_path: Path) -> None:
    if backend != "postgres":
        pytest.skip("the SQLite server is exercised by the demo test")
    port = free_port()
    env = {"DISBURSE_DATABASE_URL": database_url, "DISBURSE_SECRET_KEY": "test-secret",
           "DISBURSE_INSTANCE_PATH": str(tmp_path / "instance")}
    proc = start(["serve", "--workers", "3"], env, port, tmp_path / "serve.log")
    try:
        status, body = request(f"http://127.0.0.1:{port}/api/v1/auth/tokens",
                               {"username": "nobody", "password": "wrong password"})
        assert status == 401 and body["status"] == 401
    finally:
        stop(proc)
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert log.count("Booting worker") == 3


def test_serve_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {**os.environ, "DISBURSE_INSTANCE_PATH": str(tmp_path)}
    env.pop("DISBURSE_SECRET_KEY", None)
    env.pop("DISBURSE_DEMO", None)
    result = subprocess.run([str(SCRIPT), "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "DISBURSE_SECRET_KEY" in result.stderr
