"""Engines and units of work.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy
timeout; every writing transaction starts with ``BEGIN IMMEDIATE`` so writers
queue up front instead of failing half way. PostgreSQL is reached through
psycopg 3.
"""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class UnitOfWork:
    """One database transaction: rolls back unless committed (cosmicpython ch. 6)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._committed = False

    def commit(self) -> None:
        self.session.commit()
        self._committed = True


#: The read transaction a caller opened for everything it reads (see :meth:`Database.shared_reading`).
_SHARED: ContextVar[tuple["Database", UnitOfWork] | None] = ContextVar("disburse_shared_reading", default=None)


class Database:
    """The unit-of-work factory that services receive."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.dialect = self.engine.dialect.name
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)

    @contextmanager
    def _unit(self, factory: sessionmaker[Session], *, write: bool) -> Iterator[UnitOfWork]:
        session = factory()
        uow = UnitOfWork(session)
        try:
            yield uow
        finally:
            if write and not uow._committed:
                session.rollback()
            session.close()  # a reader's objects stay loaded (detached) for the caller

    def writing(self) -> Any:
        """A transaction that will write (``BEGIN IMMEDIATE`` on SQLite)."""
        return self._unit(self._write, write=True)

    def reading(self) -> Any:
        """A transaction that only reads; inside :meth:`shared_reading`, the one it opened."""
        shared = _SHARED.get()
        if shared is not None and shared[0] is self:
            return nullcontext(shared[1])
        return self._unit(self._read, write=False)

    @contextmanager
    def shared_reading(self) -> Iterator[None]:
        """One read transaction for every :meth:`reading` inside: a request that only reads (an API ``GET``)
        resolves its caller's token and reads what it answers in one transaction (issue 19), and sees one
        state of the database throughout. Writing transactions stay their own. The transaction begins with
        the first statement, so a request that reads nothing costs nothing."""
        session = self._read()
        token = _SHARED.set((self, UnitOfWork(session)))
        try:
            yield
        finally:
            _SHARED.reset(token)
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
