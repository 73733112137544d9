"""A bounded HTTP load generator: ``wrk`` when on PATH, else threads with keep-alive ``http.client``."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path


def tool() -> str:
    return "wrk" if shutil.which("wrk") else "python (threads + http.client keep-alive)"


def requests_per_second(port: int, path: str, headers: dict[str, str], seconds: float,
                        connections: int = 8) -> float:
    """Successful requests per second of ``GET path`` over ``seconds``."""
    if shutil.which("wrk"):
        return _wrk(port, path, headers, seconds, connections)
    return _python(port, path, headers, seconds, connections)


def _wrk(port: int, path: str, headers: dict[str, str], seconds: float, connections: int) -> float:
    script = Path("/tmp/disburse-bench-wrk-status.lua")
    script.write_text("done = function() end\n", encoding="utf-8")
    args = ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    run = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True)
    if "Non-2xx" in run.stdout:
        raise RuntimeError(f"non-2xx answers from {path}:\n{run.stdout}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", run.stdout)
    if match is None:
        raise RuntimeError(run.stdout)
    return float(match.group(1))


def _python(port: int, path: str, headers: dict[str, str], seconds: float, connections: int) -> float:
    counts = [0] * connections
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors.append(f"{resp.status} from {path}")
                return
            counts[i] += 1
        conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(errors[0])
    return sum(counts) / (time.perf_counter() - start)
