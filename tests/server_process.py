"""``disburse serve`` as a real process for end-to-end tests, and an HTTP client for bursts against it.

A server is started in a session of its own (``start_new_session``), so its gunicorn master, its
workers and its scheduler child share one process group: :func:`stop` ends them with SIGTERM,
:func:`kill` with SIGKILL all at once — a crash, not a shutdown.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.cli import SCRIPT
from tests.helpers import PASSWORD

HTTP_TIMEOUT = 20.0
#: How often a request answered 429 is sent again (a 429 wrote nothing, so resending is safe).
RETRIES = 3
#: How long a thread of a burst waits for the starting signal before giving up.
GO_TIMEOUT = 30.0
#: The status recorded for a request whose connection broke: the client does not know what happened.
NO_ANSWER = 0

Response = tuple[int, Any]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    """One JSON call that expects a JSON answer (a POST when there is a body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def start(args: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``disburse ARGS --port PORT`` in a new session, once it answers; its output appended to ``log``."""
    with log.open("ab") as out:
        proc = subprocess.Popen([str(SCRIPT), *args, "--port", str(port)], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    pytest.fail(f"server did not answer in time:\n{log.read_text(errors='replace')}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, a bounded wait, then SIGKILL."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        proc.wait()
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill(proc)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the server's whole process group at once (master, workers, scheduler): a crash."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def serve_env(database_url: str, instance: Path) -> dict[str, str]:
    """What ``disburse serve`` needs to run on the test's database."""
    return {"DISBURSE_DATABASE_URL": database_url, "DISBURSE_SECRET_KEY": "test-secret",
            "DISBURSE_INSTANCE_PATH": str(instance)}


@dataclass
class Server:
    """A running ``disburse serve`` and the bearer tokens it issued."""

    base: str
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            status, body = request(f"{self.base}/auth/tokens", {"username": username, "password": PASSWORD})
            assert status == 201, (status, body)
            self.tokens[username] = body["token"]
        return self.tokens[username]

    def get(self, path: str, as_: str) -> dict[str, Any]:
        status, body = send(f"{self.base}{path}", token=self.token(as_))
        assert status == 200, (status, body)
        assert isinstance(body, dict)
        return body

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass
class Outcome:
    """The last answer to one request of a burst, and every status it was answered on the way."""

    status: int
    body: Any
    statuses: list[int]


def send(url: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """One HTTP call with a timeout; the body as JSON when it is JSON, else as text (a 500 page may not be)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            return resp.status, _decode(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _decode(exc.read())


def send_or_lose(url: str, body: Any = None, token: str | None = None,
                 headers: dict[str, str] | None = None) -> Response:
    """:func:`send`, but a broken connection (the server died) is answered ``NO_ANSWER`` instead of raised."""
    try:
        return send(url, body, token, headers)
    except (OSError, http.client.HTTPException) as exc:
        return NO_ANSWER, repr(exc)


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def retrying(call: Callable[[], Response]) -> Outcome:
    """Send again after a 429, at most ``RETRIES`` times."""
    statuses: list[int] = []
    for attempt in range(RETRIES + 1):
        status, body = call()
        statuses.append(status)
        if status != 429 or attempt == RETRIES:
            break
        time.sleep(0.2 * (attempt + 1))
    return Outcome(status, body, statuses)


def burst(calls: list[Callable[[], Response]], threads: int) -> list[Outcome]:
    """Run every call on a pool of ``threads``; the first wave is held back and released at once."""
    go = threading.Event()

    def run(call: Callable[[], Response]) -> Outcome:
        assert go.wait(GO_TIMEOUT), "the burst never started"
        return retrying(call)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run, call) for call in calls]
        go.set()
        return [f.result(timeout=120) for f in futures]


def assert_no_server_error(outcomes: list[Outcome], *servers: Server) -> None:
    errors = [(o.statuses, o.body) for o in outcomes if any(s >= 500 for s in o.statuses)]
    logs = "\n".join(f"--- {s.base} ---\n{s.log_tail()}" for s in servers)
    assert not errors, f"{len(errors)} request(s) answered 5xx: {errors[:3]}\n{logs}"


@contextmanager
def serving(database_url: str, folder: Path, workers: int, *options: str, name: str = "serve") -> Iterator[Server]:
    """``disburse serve --workers N`` on the test's database, its instance folder and log in ``folder``,
    answering at :attr:`Server.base` until the block ends."""
    port = free_port()
    log = folder / f"{name}.log"
    proc = start(["serve", "--workers", str(workers), *options], serve_env(database_url, folder / f"{name}-instance"),
                 port, log)
    try:
        yield Server(f"http://127.0.0.1:{port}/api/v1", log)
    finally:
        stop(proc)


#: A second finance user: nobody may do two steps of one payment (SPEC §5.3).
FINANCE_2 = "xp-finance-2"

