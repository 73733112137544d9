"""What the scheduler runs: thin wrappers over :mod:`disburse.services.scheduling` (SPEC §10).

APScheduler's job store pickles each job, so a job refers to its function by
text (``disburse.scheduler.jobs:run_job``) with the job id as its only
argument; the database is never pickled. The process that runs jobs first
calls :func:`configure` with its settings, and :func:`database` builds one
:class:`Database` from them on first use.

Every job is a sweep over what is due *now* (see the services module): a run
that is late, repeated or overlapping another scheduler's sends nothing twice,
because each reminder is stored under a unique key in the transaction that
writes its notifications. So there is no job per reminder to keep in step with
the data (a notice extended, a deadline moved, a project suspended): the sweeps
read the data as it is when they run.

When ``DISBURSE_SMTP_URL`` is set the sweeps also queue e-mail (``mail=True``)
and ``deliver_mail`` sends the queue every 30 seconds.
"""

import logging
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from disburse.adapters.db import Database
from disburse.clock import Clock
from disburse.services import scheduling
from disburse.settings import Settings

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: The stored reference to the one function every scheduled job calls.
RUN_JOB = "disburse.scheduler.jobs:run_job"

#: How often each job runs; a job not named here is a reminder sweep and runs every ``SWEEP_EVERY``.
EVERY: dict[str, timedelta] = {"close_notices": timedelta(minutes=1), "deliver_mail": timedelta(seconds=30),
                               "checkpoint_audit": timedelta(minutes=5)}
SWEEP_EVERY = timedelta(minutes=30)

_settings: Settings | None = None
_database: Database | None = None
_guard = threading.Lock()


def configure(settings: Settings) -> None:
    """Use ``settings`` for the jobs of this process (and drop a database built for earlier ones).

    A malformed ``DISBURSE_SMTP_URL`` is a ``ValueError`` here, not at every delivery.
    """
    global _settings
    if settings.smtp_url is not None:
        from disburse.adapters.smtp import parse_url

        parse_url(settings.smtp_url)
    shutdown()
    _settings = settings


def settings() -> Settings:
    if _settings is None:
        raise RuntimeError("disburse.scheduler.jobs.configure() was not called in this process")
    return _settings


def mailing() -> bool:
    """E-mail is on when an SMTP server is configured."""
    return settings().smtp_url is not None


def database() -> Database:
    """The one :class:`Database` of this process's jobs, built on first use."""
    global _database
    with _guard:
        if _database is None:
            _database = Database(settings().db_url)
        return _database


def shutdown() -> None:
    """Close the jobs' database connections."""
    global _database
    with _guard:
        if _database is not None:
            _database.dispose()
            _database = None


def schedule() -> dict[str, timedelta]:
    """Every job id the scheduler keeps, with its interval: the service's jobs, and mail delivery if on."""
    ids = list(scheduling.JOBS) + ["checkpoint_audit"] + (["deliver_mail"] if mailing() else [])
    return {job_id: EVERY.get(job_id, SWEEP_EVERY) for job_id in ids}


def deliver_mail(db: Database, now: datetime) -> int:
    """Send the queued e-mail that is due; the number sent."""
    from disburse.adapters.smtp import SmtpTransport
    from disburse.services.mail import deliver_due

    url = settings().smtp_url
    assert url is not None
    return int(deliver_due(db, now, SmtpTransport.from_url(url), stopping=scheduling.stopping))


#: Entries a checkpoint covers beyond the previous one, at most: one signing transaction of a few seconds.
CHECKPOINT_STEP = 100_000


def checkpoint_audit(db: Database, now: datetime) -> int:
    """Sign checkpoints while one is due (daily while the log grows, after every disbursement); how many.

    A long unsigned log (a first checkpoint over a million entries) is signed in steps of
    :data:`CHECKPOINT_STEP` entries, each its own transaction and checkpoint, and the job ends between
    steps when the process is stopping, so it never holds a write transaction over the whole history.
    """
    from disburse.services import checkpoints

    if scheduling.stopping() or not checkpoints.checkpoint_due(db, now):
        return 0
    try:
        key = checkpoints.signer(settings(), create=settings().demo)
    except checkpoints.NoSigningKey as exc:
        log.warning("no audit checkpoint signed: %s", exc)
        return 0
    latest = checkpoints.list_checkpoints(db, per_page=1)["items"]
    size = int(latest[0]["size"]) if latest else 0
    signed = 0
    while not scheduling.stopping():
        reached = int(checkpoints.checkpoint(db, key, now, limit=CHECKPOINT_STEP)["size"])
        if reached == size:  # another scheduler signed it meanwhile
            break
        signed += 1
        if reached - size < CHECKPOINT_STEP:  # the step reached the end of the log
            break
        log.info("audit checkpoint at %d signed; the log goes on", reached)
        size = reached
    return signed


#: Jobs of this module rather than of the services' sweeps (they need the process's settings).
LOCAL_JOBS = {"deliver_mail": deliver_mail, "checkpoint_audit": checkpoint_audit}


def run_job(job_id: str) -> int:
    """Run one job at the current time (what APScheduler calls); an exception is logged by the scheduler."""
    now = Clock().now()
    db = database()
    local = LOCAL_JOBS.get(job_id)
    count = local(db, now) if local else scheduling.JOBS[job_id](db, now, mail=mailing())
    log.log(logging.INFO if count else logging.DEBUG, "job %s: %d", job_id, count)
    return count


def tick(now: datetime) -> dict[str, int]:
    """Everything due at ``now``, once: every sweep, then mail delivery if on (``scheduler tick``, catch-up)."""
    db = database()
    done = scheduling.tick(db, now, mail=mailing())
    if scheduling.stopping():
        return done
    try:
        done["checkpoint_audit"] = checkpoint_audit(db, now)
    except Exception:
        log.exception("the audit checkpoint failed at %s", now.isoformat())
        done["checkpoint_audit"] = scheduling.FAILED
    if mailing():
        done["deliver_mail"] = deliver_mail(db, now)
    return done


def parse_moment(text: str) -> datetime:
    """An ISO 8601 time as an aware UTC time; a time without an offset is Asia/Shanghai local time."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)
