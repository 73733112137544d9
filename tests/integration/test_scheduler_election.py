"""Electing the scheduler (SPEC §10): a PostgreSQL advisory lock, a file lock on SQLite — real ones."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from disburse.scheduler.election import APPLICATION_NAME, FileLock, PostgresLock, leader_lock, libpq_url
from disburse.settings import Settings
from tests.conftest import Backends

POSTGRES_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])


def _eventually(attempt: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll like a standby does, a bounded number of times."""
    deadline = time.monotonic() + seconds
    while not attempt():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _terminate_first_lock_session(database_url: str) -> bool:
    """End the oldest scheduler lock session from the server's side, as a dead leader's session ends."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        row = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = %s AND datname = current_database() "
                            "ORDER BY backend_start LIMIT 1", (APPLICATION_NAME,)).fetchone()
    return bool(row and row[0])


@POSTGRES_ONLY
def test_only_one_of_two_postgres_locks_is_held_until_its_holder_lets_go(database_url: str) -> None:
    with PostgresLock(database_url) as first, PostgresLock(database_url) as second:
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.acquire() is True  # asking again while holding it keeps it
        assert first.healthy() is True and second.healthy() is False
        first.release()
        assert first.healthy() is False
        assert second.acquire() is True
        assert first.acquire() is False


@POSTGRES_ONLY
def test_a_leader_whose_session_ends_is_no_longer_healthy_and_the_standby_takes_over(database_url: str) -> None:
    with PostgresLock(database_url) as leader, PostgresLock(database_url) as standby:
        assert leader.acquire() is True
        assert standby.acquire() is False
        assert _terminate_first_lock_session(database_url)
        assert leader.healthy() is False
        assert _eventually(standby.acquire)  # the server frees the lock as the ended session exits
        assert leader.acquire() is False


@POSTGRES_ONLY
def test_schedulers_of_different_databases_on_one_server_do_not_compete(backends: Backends,
                                                                         database_url: str) -> None:
    other_url = backends.fresh("postgres")
    with PostgresLock(database_url) as here, PostgresLock(other_url) as there:
        assert here.acquire() is True
        assert there.acquire() is True


@POSTGRES_ONLY
def test_an_unreachable_database_means_standby_not_a_crash(database_url: str) -> None:
    unreachable = "postgresql://postgres@127.0.0.1:1/nothing"
    with PostgresLock(unreachable) as lock:
        assert lock.acquire() is False
        assert lock.healthy() is False


def test_only_one_of_two_file_locks_is_held_until_its_holder_lets_go(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path / "instance", database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with leader_lock(settings) as first, leader_lock(settings) as second:
        assert isinstance(first, FileLock) and first.path == tmp_path / "x.db.scheduler.lock"
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.healthy() is True and second.healthy() is False
        first.release()
        assert second.acquire() is True
        assert first.acquire() is False


def test_a_file_lock_held_by_a_killed_process_is_free_again(tmp_path: Path) -> None:
    path = tmp_path / "scheduler.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from pathlib import Path\n"
         "from disburse.scheduler.election import FileLock\n"
         f"lock = FileLock(Path({str(path)!r}))\n"
         "assert lock.acquire()\n"
         "print('held', flush=True)\n"
         "time.sleep(120)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with FileLock(path) as lock:
            assert lock.acquire() is False
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(timeout=30)
            assert lock.acquire() is True
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_holder_whose_lock_file_was_deleted_steps_down(tmp_path: Path) -> None:
    path = tmp_path / "scheduler.lock"
    with FileLock(path) as first, FileLock(path) as second:
        assert first.acquire() is True
        path.unlink()
        assert second.acquire() is True  # a new file, a new lock: so the first must not go on leading
        assert first.healthy() is False
        assert second.healthy() is True


def test_other_databases_have_no_election(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mysql"):
        leader_lock(Settings(instance_path=tmp_path, database_url="mysql://u@localhost/db"))
