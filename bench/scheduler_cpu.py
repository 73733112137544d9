"""CPU time of ``disburse scheduler run`` on a bench database, and how long it takes to stop (issue 19).

Usage::

    python -m bench.scheduler_cpu sqlite:////tmp/quick.db --seconds 60
    python -m bench.scheduler_cpu sqlite:////tmp/quick.db --seconds 1     # SIGTERM 1 s into the catch-up

The database is made by ``bench/datagen.py`` (``generate(url, Scale.quick())``) and used as a template:
a SQLite file is copied, a PostgreSQL database is created ``TEMPLATE`` it, so every run starts from the
same history with nothing fired yet. The scheduler runs as ``disburse serve`` starts it; once it prints
``scheduler: leader`` the window begins, its CPU time (user + system, ``/proc/<pid>/stat``) is read at the
end of the window, then it gets SIGTERM and the seconds until it exits are measured. Prints one JSON line.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from disburse.scheduler.election import libpq_url


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copy_database(url: str, work: Path) -> tuple[str, str | None]:
    """A fresh copy of the database at ``url``: its URL, and the PostgreSQL database to drop after."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        copy = work / "scheduler.db"
        shutil.copyfile(parsed.database, copy)
        return f"sqlite:///{copy}", None
    name = f"bench_sched_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
    return parsed.set(database=name).render_as_string(hide_password=False), name


def measure(url: str, seconds: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        copy, dropped = copy_database(url, work)
        env = {**os.environ, "DISBURSE_DATABASE_URL": copy, "DISBURSE_SECRET_KEY": "bench",
               "DISBURSE_INSTANCE_PATH": str(work / "instance")}
        out = work / "scheduler.out"
        try:
            with out.open("wb") as sink:
                proc = subprocess.Popen([sys.executable, "-m", "disburse.cli", "scheduler", "run"], env=env,
                                        stdout=sink, stderr=subprocess.DEVNULL)
            started = time.monotonic()
            while b"scheduler: leader" not in out.read_bytes():
                if proc.poll() is not None or time.monotonic() - started > 60:
                    raise RuntimeError(f"the scheduler did not lead: {out.read_text()}")
                time.sleep(0.02)
            time.sleep(seconds)
            cpu = cpu_seconds(proc.pid)
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=300)
            stop = time.monotonic() - signalled
        finally:
            if dropped:
                with psycopg.connect(libpq_url(url), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
        return {"window_s": seconds, "cpu_s": round(cpu, 2), "core_share": round(cpu / seconds, 3),
                "stop_s": round(stop, 2), "exit": code, "output": out.read_text().splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="the bench database (a SQLAlchemy URL), left unchanged")
    parser.add_argument("--seconds", type=float, default=60.0, help="the window after election (default 60)")
    args = parser.parse_args()
    print(json.dumps(measure(args.url, args.seconds), ensure_ascii=False))


if __name__ == "__main__":
    main()
