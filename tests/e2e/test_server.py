"""``disburse demo`` and ``disburse serve`` as real gunicorn servers over real HTTP."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def test_the_demo_serves_the_seed_plans_to_the_printed_logins(demo: tuple[int, Path]) -> None:
    port, log = demo
    printed = log.read_text(encoding="utf-8", errors="replace")
    assert "demo-commerce" in printed and "disburse-demo" in printed and "demo-inspector" in printed
    base = f"http://127.0.0.1:{port}/api/v1"
    status, body = request(f"{base}/auth/tokens", {"username": "demo-commerce", "password": "disburse-demo"})
    assert status == 201
    status, page = request(f"{base}/projects", token=body["token"])
    assert status == 200 and page["total"] == 4
    names = {p["region"]["name"] for p in page["items"]}
    assert {"柯坪县", "布尔津县", "喀喇沁左翼蒙古族自治县"} <= names
    kazuo = next(p for p in page["items"] if p["region"]["code"] == "211324")
    status, explained = request(f"{base}/projects/{kazuo['id']}/events/file", token=body["token"])
    assert explained["allowed"] is False
    assert {u["code"] for u in explained["unmet"]} == {"line_amount_missing"}


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
