"""The scheduler's job store on SQLite waits for a busy database instead of failing (issue "close the holes",
item 8).

On its first start APScheduler's ``SQLAlchemyJobStore`` asks whether its table exists and then creates it:
a read, then a write, in one transaction. SQLite does not wait (busy timeout or not) for a read transaction
that must become a write transaction while another connection writes; it answers ``database is locked`` at
once, and the scheduler retried only at its next poll.
"""

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from disburse.scheduler import jobs, runner
from disburse.settings import Settings

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
HOLD_SECONDS = 1.0


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    configured = Settings(instance_path=tmp_path / "instance", database_url=database_url)
    jobs.configure(configured)
    yield configured
    jobs.shutdown()


def hold_the_write_lock(path: str, seconds: float) -> tuple[threading.Thread, threading.Event]:
    """Another connection writes to the database file and keeps its write lock for ``seconds``."""
    holding = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE regions SET name = name WHERE code = '000000'")
            holding.set()
            time.sleep(seconds)
            other.execute("COMMIT")
        finally:
            other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread, holding


@SQLITE_ONLY
def test_the_first_start_of_the_job_store_waits_for_a_writer_instead_of_failing(settings: Settings) -> None:
    path = make_url(settings.db_url).database
    assert path and "apscheduler_jobs" not in inspect(runner.job_store_engine(settings)).get_table_names()
    thread, holding = hold_the_write_lock(path, HOLD_SECONDS)
    assert holding.wait(5)
    scheduler = runner.build_scheduler(settings)
    started = time.monotonic()
    try:
        runner.start_jobs(scheduler)  # today: OperationalError "database is locked" within milliseconds
        waited = time.monotonic() - started
        assert {job.id for job in scheduler.get_jobs()} == set(jobs.schedule())
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        thread.join()
    assert waited >= HOLD_SECONDS * 0.8, f"started after {waited:.3f}s: it did not wait for the writer"


@SQLITE_ONLY
def test_the_job_store_engine_has_the_applications_busy_timeout(settings: Settings) -> None:
    engine = runner.job_store_engine(settings)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
