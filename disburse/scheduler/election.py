"""Electing the one scheduler among any number of processes (SPEC §10).

APScheduler 3 coordinates nothing between processes: two schedulers on one job
store would both run every job. So exactly one process may run it, and every
``disburse scheduler run`` (one per ``disburse serve``) first competes for a lock
that the operating system or the database frees when its holder dies:

* PostgreSQL: a session-level ``pg_try_advisory_lock`` on a dedicated
  connection, outside any pool, so no pooled connection ever carries (or
  drops) it. Advisory locks are per database, so schedulers of different
  databases on one server do not compete. When the leader process dies its
  socket closes and the server frees the lock at once; when its host vanishes,
  TCP keepalives (set on both ends) end the session within about half a minute.
  The leader asks each poll whether the lock is still held on that
  connection; a broken connection means the lock is gone.
* SQLite: a non-blocking ``flock`` on ``<database file>.scheduler.lock`` beside
  the database file, which the kernel frees when the holder's process dies.
  Beside the file, not in the instance folder: processes that share the database
  share the lock even when their instance folders differ.

A lock is only tried, never waited on; the runner polls (see :mod:`runner`).
"""

import fcntl
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from disburse.settings import Settings

log = logging.getLogger(__name__)

#: The advisory lock key: the bytes of "disburse" as a signed 64-bit integer.
LOCK_KEY = int.from_bytes(b"disburse", "big", signed=True)

#: The lock connection's ``application_name``, to find it in ``pg_stat_activity``.
APPLICATION_NAME = "disburse-scheduler"

#: Client-side keepalives and timeouts (libpq): a leader notices a vanished server.
CLIENT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}

#: Server-side keepalives: the server ends the session (and frees the lock) of a vanished leader.
SERVER_SETTINGS = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3",
                   "statement_timeout": "10000"}

_HELD = """
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
      AND classid::bigint = %(high)s AND objid::bigint = %(low)s
)
"""


class LeaderLock(ABC):
    """A lock that at most one process holds, freed when its holder dies."""

    @abstractmethod
    def acquire(self) -> bool:
        """Take the lock if it is free; never waits. True when this process holds it (now or already)."""

    @abstractmethod
    def healthy(self) -> bool:
        """Whether this process still holds the lock; False also means it was let go."""

    @abstractmethod
    def release(self) -> None:
        """Let the lock go (if held) and close what holds it; the lock may be acquired again later."""

    def __enter__(self) -> "LeaderLock":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class PostgresLock(LeaderLock):
    """``pg_try_advisory_lock(LOCK_KEY)`` held by the session of a dedicated connection."""

    def __init__(self, url: str, key: int = LOCK_KEY) -> None:
        self.conninfo = libpq_url(url)
        self.key = key
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            conn = psycopg.connect(self.conninfo, autocommit=True, application_name=APPLICATION_NAME,
                                   **CLIENT_OPTIONS)
            try:
                for name, value in SERVER_SETTINGS.items():
                    conn.execute("SELECT set_config(%s, %s, false)", (name, value))
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def acquire(self) -> bool:
        if self._held:
            return self.healthy()
        try:
            row = self._connection().execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error as exc:
            log.warning("cannot reach the database to take the scheduler lock: %s", exc)
            self._close()
            return False
        self._held = bool(row and row[0])
        return self._held

    def healthy(self) -> bool:
        if not self._held or self._conn is None:
            return False
        try:
            row = self._conn.execute(_HELD, {"high": (self.key >> 32) & 0xFFFFFFFF,
                                              "low": self.key & 0xFFFFFFFF}).fetchone()
        except psycopg.Error as exc:
            log.warning("the scheduler lock's connection failed: %s", exc)
            self._close()
            return False
        if not (row and row[0]):
            self._close()
            return False
        return True

    def release(self) -> None:
        if self._held and self._conn is not None and not self._conn.closed:
            try:
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            except psycopg.Error as exc:
                log.warning("could not unlock the scheduler lock (closing its session frees it): %s", exc)
        self._close()

    def _close(self) -> None:
        self._held = False
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class FileLock(LeaderLock):
    """A non-blocking exclusive ``flock`` on one file, held by this object's open file description."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return self.healthy()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return True

    def healthy(self) -> bool:
        """Held, and the path still names the locked file (a deleted lock file would let a second leader in)."""
        if self._fd is None:
            return False
        try:
            same = os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            self.release()
        return same

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor of the open file description drops the flock


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL (``postgresql+psycopg://…``) as a libpq connection URI."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def leader_lock(settings: Settings) -> LeaderLock:
    """The lock that elects the scheduler of ``settings``' database."""
    backend = make_url(settings.db_url).get_backend_name()
    if backend == "postgresql":
        return PostgresLock(settings.db_url)
    if backend == "sqlite":
        database = make_url(settings.db_url).database
        if not database or database == ":memory:":
            return FileLock(settings.instance_path / "scheduler.lock")
        path = Path(database)
        return FileLock(path.with_name(path.name + ".scheduler.lock"))
    raise ValueError(f"no scheduler election for {backend} databases")
