"""``disburse scheduler run``: stand by until elected, then run the jobs with APScheduler 3 (SPEC §10).

Any number of these processes may run (one beside each ``disburse serve``);
:mod:`election` lets exactly one lead. APScheduler 3 must run in one process
only: it has no coordination between schedulers sharing a job store, and two
would each run every job. Jobs are idempotent sweeps anyway (a reminder's unique
key makes a second send fail), so a brief overlap — a leader that has lost its
lock but not yet noticed — costs a repeated query, never a repeated message.

The loop, every ``DISBURSE_SCHEDULER_POLL_SECONDS`` (default 5):

* standby: try the lock; on success become leader.
* leader: check the lock is still held on its connection; if not, stop
  APScheduler and go back to standby (someone else may lead by now).

On becoming leader the process first runs one catch-up tick — everything due
at this moment, as ``disburse scheduler tick`` does — so downtime of every
scheduler, or a failover, delays reminders by at most one poll. Then it starts
a ``BackgroundScheduler`` in ``Asia/Shanghai`` with:

* a persistent ``SQLAlchemyJobStore`` in the application's database (table
  ``apscheduler_jobs``), so the running schedule is visible to operators;
* explicit job ids (those of :data:`disburse.services.scheduling.JOBS`, plus
  ``deliver_mail`` when SMTP is configured), added with ``replace_existing``
  on each election and stale ids removed, so restarts never pile up copies;
* ``coalesce``: runs missed while the process was stopped or starved collapse
  into one — a sweep run twice in a row finds nothing more to do;
* ``max_instances=1``: a slow sweep is not started again beside itself;
* ``misfire_grace_time`` of an hour: a run delayed (a busy database, a host
  resumed from suspend) still happens instead of being dropped; beyond an hour
  the next regular run, which sweeps the same data, takes over.

A failing job is logged with its traceback (by APScheduler, or here for the
catch-up tick) and tried again at its next run; it never stops the scheduler.
SIGTERM and SIGINT shut APScheduler down, release the lock and exit 0, well within
the :data:`STOP_GRACE_SECONDS` ``disburse serve`` allows: the signal also asks
the sweeps to stop (:func:`disburse.services.scheduling.request_stop`), and each
ends after the batch of reminders it is firing (one short transaction), so the
shutdown waits for a batch, never for a whole sweep or the catch-up tick. What
is left stays due and the next leader fires it.
Transitions are printed to stdout as ``scheduler: leader`` / ``scheduler:
standby`` / ``scheduler: stopped``, and the catch-up's counts as ``scheduler:
caught up {json}``; everything else is logged to stderr.
"""

import json
import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from disburse.adapters.db import make_engine
from disburse.clock import Clock
from disburse.scheduler import jobs
from disburse.scheduler.election import LeaderLock, leader_lock
from disburse.services import scheduling
from disburse.settings import Settings

log = logging.getLogger(__name__)

POLL_ENV = "DISBURSE_SCHEDULER_POLL_SECONDS"
DEFAULT_POLL_SECONDS = 5.0
TIMEZONE = "Asia/Shanghai"
JOB_TABLE = "apscheduler_jobs"
#: Seconds a run may start late and still happen.
MISFIRE_GRACE_SECONDS = 3600
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS}
#: Threads running jobs; different jobs may run at once, never one job twice.
THREADS = 4
#: Seconds a stopping scheduler has before ``disburse serve`` kills it (:data:`disburse.server.SCHEDULER_STOP_SECONDS`).
STOP_GRACE_SECONDS = 30


def poll_seconds(env: Mapping[str, str] | None = None) -> float:
    """How often a standby tries the lock and a leader checks it (``DISBURSE_SCHEDULER_POLL_SECONDS``)."""
    text = (os.environ if env is None else env).get(POLL_ENV) or str(DEFAULT_POLL_SECONDS)
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"{POLL_ENV} must be a positive number of seconds, not {text!r}")
    return value


def job_store_engine(settings: Settings) -> Engine:
    """The job store's engine: the application's (on SQLite WAL, ``timeout`` 30, ``busy_timeout`` 30 s),
    every transaction begun ``IMMEDIATE`` on SQLite.

    The busy timeout alone does not make the job store wait. Its transactions read before they write
    (creating its table on the first start: "does it exist?", then ``CREATE TABLE``), and SQLite
    does not call the busy handler for a read transaction that must become a write transaction
    while another connection writes: it answers ``database is locked`` at once. Taking the write
    lock when the transaction begins lets the busy timeout apply; the job store's transactions are
    a few short statements, a few times a minute. Ignored on PostgreSQL.
    """
    return make_engine(settings.db_url, execution_options={"sqlite_begin": "IMMEDIATE"})


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    """An APScheduler 3 scheduler on the application's database (:func:`job_store_engine`), not started."""
    store = SQLAlchemyJobStore(engine=job_store_engine(settings), tablename=JOB_TABLE)
    return BackgroundScheduler(jobstores={"default": store}, executors={"default": ThreadPoolExecutor(THREADS)},
                               job_defaults=JOB_DEFAULTS, timezone=TIMEZONE)


def start_jobs(scheduler: BackgroundScheduler) -> None:
    """Start ``scheduler`` with exactly the jobs of :func:`jobs.schedule`, by their ids."""
    wanted = jobs.schedule()
    scheduler.start(paused=True)
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            log.info("removing job %s, no longer scheduled", job.id)
            scheduler.remove_job(job.id)
    for job_id, every in wanted.items():
        scheduler.add_job(jobs.RUN_JOB, "interval", seconds=every.total_seconds(), args=(job_id,), id=job_id,
                          name=job_id, replace_existing=True)
    scheduler.resume()


class Runner:
    """The standby/leader loop of one scheduler process."""

    def __init__(self, settings: Settings, *, poll: float, lock: LeaderLock | None = None,
                 parent_pid: int | None = None, say: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.poll = poll
        self.lock = lock or leader_lock(settings)
        self.parent_pid = parent_pid
        self.say = say or _say
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()

    def stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        """Ask the loop to end (a signal handler)."""
        if signum is not None:
            log.info("received %s, stopping", signal.Signals(signum).name)
        scheduling.request_stop()
        self._stop.set()

    def run(self) -> None:
        """Stand by and lead until stopped; always releases the lock and the scheduler."""
        jobs.configure(self.settings)
        scheduling.clear_stop()
        previous = self._install_signals()
        standby_said = False
        try:
            while not self._stop.is_set():
                if self._orphaned():
                    log.info("the parent process %s has exited, stopping", self.parent_pid)
                    break
                if self.scheduler is None:
                    if self.lock.acquire():
                        standby_said = False
                        self._lead()
                    elif not standby_said:
                        log.info("another process leads; standing by (polling every %ss)", self.poll)
                        self.say("standby")
                        standby_said = True
                elif not self.lock.healthy():
                    log.error("the scheduler lock was lost; stopping the jobs")
                    self._step_down(wait=False)
                    self.say("standby")
                    standby_said = True
                self._stop.wait(self.poll)
        finally:
            scheduling.request_stop()  # also when the parent exited: the running jobs end after their batch
            self._step_down(wait=True)
            scheduling.clear_stop()
            jobs.shutdown()
            self._restore_signals(previous)
            self.say("stopped")

    def _lead(self) -> None:
        log.info("elected scheduler leader")
        self.say("leader")
        now = Clock().now()
        try:
            done = jobs.tick(now)
        except Exception:
            log.exception("the catch-up tick failed; each job runs again on its schedule")
        else:
            if self._stop.is_set():
                log.info("catch-up tick at %s stopped early: %s", now.isoformat(), done)
                return
            log.info("catch-up tick at %s: %s", now.isoformat(), done)
            self.say(f"caught up {json.dumps(done, sort_keys=True)}")
        if self._stop.is_set():
            return
        scheduler = build_scheduler(self.settings)
        try:
            start_jobs(scheduler)
        except Exception:
            log.exception("could not start the jobs; trying again at the next poll")
            if scheduler.running:
                scheduler.shutdown(wait=False)
            self.lock.release()
            return
        self.scheduler = scheduler
        log.info("running jobs %s", ", ".join(f"{j.id} ({j.trigger})" for j in scheduler.get_jobs()))

    def _step_down(self, *, wait: bool) -> None:
        if self.scheduler is not None:
            scheduler, self.scheduler = self.scheduler, None
            scheduler.shutdown(wait=wait)
        self.lock.release()

    def _orphaned(self) -> bool:
        return self.parent_pid is not None and os.getppid() != self.parent_pid

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    @staticmethod
    def _restore_signals(previous: dict[int, Any]) -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _say(state: str) -> None:
    print(f"scheduler: {state}", flush=True)


def run(settings: Settings, *, poll: float | None = None, parent_pid: int | None = None) -> None:
    """``disburse scheduler run``: returns once stopped by SIGTERM/SIGINT (or its parent's exit)."""
    Runner(settings, poll=poll_seconds() if poll is None else poll, parent_pid=parent_pid).run()
