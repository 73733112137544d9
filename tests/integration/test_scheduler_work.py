"""A scheduler tick works on what is due, not on history (SPEC §10; issue 19 item 6).

Two databases of the bench's generator (``bench/datagen.py``) hold the same projects; the second has ten
times the payments and the audit entries. The first tick at a moment fires what is due in each; a second
tick at the same moment finds nothing new, and must issue the same statements in both: a sweep that read
every payment ever, or rebuilt the keys of every reminder already sent, would issue more where the history
is longer. Statements are counted with a ``before_cursor_execute`` listener (as ``bench/metrics/pages.py``
does); a count does not depend on the machine's speed.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bench.datagen import Scale, generate
from disburse.adapters.db import Database
from disburse.adapters.orm import AuditCheckpoint, AuditEntry, Payment, Reminder
from disburse.scheduler import jobs
from disburse.services import checkpoints, scheduling
from disburse.settings import Settings
from tests.conftest import Backends

#: Long after the generated history (it starts in January 2024): every waiting payment is past its SLA.
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
HISTORY = Scale(projects=20, payments=300, audit_entries=1_000, label="1x")
TENFOLD = Scale(projects=20, payments=3_000, audit_entries=10_000, label="10x")


@contextmanager
def statements_per_job(db: Database) -> Iterator[Counter[str]]:
    """Count the statements each job of :data:`scheduling.JOBS` issues while the block runs."""
    counts: Counter[str] = Counter()
    current = [""]
    jobs = dict(scheduling.JOBS)

    def count(*_args: Any) -> None:
        counts[current[0]] += 1

    def counted(name: str) -> scheduling.Job:
        def job(db: Database, now: datetime, *, mail: bool = False) -> int:
            current[0] = name
            return jobs[name](db, now, mail=mail)
        return job

    event.listen(db.engine, "before_cursor_execute", count)
    scheduling.JOBS.update({name: counted(name) for name in jobs})
    try:
        yield counts
    finally:
        scheduling.JOBS.update(jobs)
        event.remove(db.engine, "before_cursor_execute", count)


def quiet_tick(url: str, scale: Scale) -> tuple[dict[str, int], Counter[str], dict[str, int]]:
    """Generate ``scale`` at ``url``; tick twice at :data:`NOW`: the first tick's counts, the statements of the
    second, and the size of the history."""
    generate(url, scale)
    db = Database(url)
    try:
        first = scheduling.tick(db, NOW)
        with statements_per_job(db) as counts:
            again = scheduling.tick(db, NOW)
        assert all(n == 0 for n in again.values()), again
        with db.reading() as tx:
            size = {"payments": tx.session.scalar(select(func.count()).select_from(Payment)) or 0,
                    "audit": tx.session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                    "reminders": tx.session.scalar(select(func.count()).select_from(Reminder)) or 0}
        return first, counts, size
    finally:
        db.dispose()


def test_a_tick_with_nothing_new_due_issues_the_same_statements_with_ten_times_the_history(
        backends: Backends, backend: str) -> None:
    first_small, small, size_small = quiet_tick(backends.fresh(backend), HISTORY)
    first_large, large, size_large = quiet_tick(backends.fresh(backend), TENFOLD)

    assert first_small["remind_payments"] > 0 and first_large["remind_payments"] > first_small["remind_payments"]
    assert size_large["payments"] >= 10 * size_small["payments"] * 0.9
    assert size_large["audit"] >= 10 * size_small["audit"] * 0.9
    assert size_large["reminders"] > size_small["reminders"]
    assert set(small) == set(scheduling.JOBS)
    assert large == small, (small, large)


def test_a_sweep_asked_to_stop_ends_after_its_batch_and_the_next_run_fires_the_rest(
        backends: Backends, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = backends.fresh(backend)
    generate(url, HISTORY)
    db = Database(url)
    monkeypatch.setattr(scheduling, "BATCH", 10)
    write = scheduling.notify_reminders

    def write_then_stop(*args: Any, **kwargs: Any) -> int:  # SIGTERM arriving while the first batch is written
        scheduling.request_stop()
        return write(*args, **kwargs)

    try:
        with db.reading() as tx:
            due = len(scheduling.payment_dues(tx.session, NOW))
        assert due > 2 * scheduling.BATCH
        monkeypatch.setattr(scheduling, "notify_reminders", write_then_stop)
        try:
            assert scheduling.remind_payments(db, NOW) == scheduling.BATCH
            assert scheduling.tick(db, NOW) == {}
        finally:
            monkeypatch.setattr(scheduling, "notify_reminders", write)
            scheduling.clear_stop()
        assert scheduling.remind_payments(db, NOW) == due - scheduling.BATCH
        assert scheduling.remind_payments(db, NOW) == 0
    finally:
        db.dispose()


def test_the_checkpoint_job_signs_a_long_unsigned_log_in_bounded_steps_and_stops_between_them(
        backends: Backends, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = backends.fresh(backend)
    generate(url, HISTORY)
    settings = Settings.from_env(tmp_path / "instance", {"DISBURSE_DATABASE_URL": url, "DISBURSE_DEMO": "1"})
    jobs.configure(settings)
    monkeypatch.setattr(jobs, "CHECKPOINT_STEP", 300)
    sign = checkpoints.checkpoint

    def sign_then_stop(*args: Any, **kwargs: Any) -> dict[str, Any]:  # SIGTERM arriving during the first step
        scheduling.request_stop()
        return sign(*args, **kwargs)

    try:
        db = jobs.database()
        with db.reading() as tx:
            entries = tx.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        monkeypatch.setattr(checkpoints, "checkpoint", sign_then_stop)
        try:
            assert jobs.checkpoint_audit(db, NOW) == 1
        finally:
            monkeypatch.setattr(checkpoints, "checkpoint", sign)
            scheduling.clear_stop()
        assert jobs.checkpoint_audit(db, NOW) == -(-(entries - 300) // 300)
        assert jobs.checkpoint_audit(db, NOW) == 0
        with db.reading() as tx:
            sizes = list(tx.session.scalars(select(AuditCheckpoint.size).order_by(AuditCheckpoint.size)))
        assert sizes == [*range(300, entries, 300), entries]
    finally:
        jobs.shutdown()
