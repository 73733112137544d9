"""gunicorn as a library, with the scheduler beside it: ``disburse serve`` and ``disburse demo`` (SPEC §11.2).

The scheduler runs as a child process (``disburse scheduler run``), not inside
the gunicorn master or its workers: APScheduler needs a process of its own, and
workers come and go. Every ``serve`` starts one; the election among them (see
:mod:`disburse.scheduler.election`) lets exactly one run the jobs, so several
servers on one database are safe. The child stops when gunicorn exits, and on
its own if this process dies without stopping it.
"""

import logging
import os
import subprocess
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)

#: Seconds the scheduler gets to finish a running job after SIGTERM before it is killed.
SCHEDULER_STOP_SECONDS = 30


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from disburse.app import create_app

        return create_app()


def start_scheduler() -> subprocess.Popen[bytes]:
    """``disburse scheduler run`` as a child with this process's environment, output and stdin closed."""
    return subprocess.Popen([sys.executable, "-m", "disburse.cli", "scheduler", "run", "--exit-with-parent"],
                            env=dict(os.environ), stdin=subprocess.DEVNULL)


def stop_scheduler(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM, a bounded wait, then SIGKILL. A child already reaped by gunicorn counts as stopped."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=SCHEDULER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("the scheduler did not stop in %ss; killing it", SCHEDULER_STOP_SECONDS)
        child.kill()
        child.wait()


def run(host: str, port: int, workers: int, *, scheduler: bool = True) -> None:
    """Serve the app with ``workers`` processes (each builds its own app and engine) and the scheduler."""
    child = start_scheduler() if scheduler else None
    master = os.getpid()
    try:
        _Server({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-", "timeout": 60}).run()
    finally:
        # A worker is forked inside ``run()`` and leaves it by SystemExit too: only the master stops the child.
        if child is not None and os.getpid() == master:
            stop_scheduler(child)
