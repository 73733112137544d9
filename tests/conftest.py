"""Fixtures: real SQLite and real PostgreSQL, a fresh database per test.

Each backend gets a template database migrated and loaded with the regions once
per run; every test then gets its own copy (a file copy on SQLite, ``CREATE
DATABASE … TEMPLATE`` on PostgreSQL), so tests never see each other's audit log.

PostgreSQL is the server named by ``DISBURSE_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``). Without it the PostgreSQL
tests skip with the reason; with ``DISBURSE_REQUIRE_POSTGRES=1`` (CI) they fail.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from disburse.adapters.db import Database
from disburse.adapters.migrations import upgrade
from disburse.services import regions, users

users.configure_hashing(time_cost=1, memory_cost=8 * 1024)

PG_URL = os.environ.get("DISBURSE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("DISBURSE_REQUIRE_POSTGRES") == "1"
RUN_ID = uuid.uuid4().hex[:8]


def _pg_admin() -> psycopg.Connection[Any]:
    return psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)


def _pg_available() -> str | None:
    try:
        with _pg_admin():
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_URL} is not reachable ({exc.__class__.__name__}); set DISBURSE_TEST_POSTGRES_URL"


def _pg_db_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


class Backends:
    """Builds template databases lazily and hands out fresh copies."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.templates: dict[str, str] = {}
        self.pg_databases: list[str] = []

    def _prepare(self, url: str) -> None:
        upgrade(url)
        database = Database(url)
        regions.load_regions(database)
        database.dispose()

    def fresh(self, backend: str) -> str:
        if backend == "sqlite":
            template = self.tmp / "template.db"
            if "sqlite" not in self.templates:
                self._prepare(f"sqlite:///{template}")
                self.templates["sqlite"] = str(template)
            copy = self.tmp / f"{uuid.uuid4().hex}.db"
            shutil.copyfile(template, copy)
            return f"sqlite:///{copy}"
        reason = _pg_available()
        if reason:
            if REQUIRE_PG:
                pytest.fail(f"DISBURSE_REQUIRE_POSTGRES=1 but {reason}")
            pytest.skip(reason)
        template_name = f"disburse_tpl_{RUN_ID}"
        if "postgres" not in self.templates:
            with _pg_admin() as conn:
                conn.execute(f'CREATE DATABASE "{template_name}"')
            self.pg_databases.append(template_name)
            self._prepare(_pg_db_url(template_name))
            self.templates["postgres"] = template_name
        name = f"disburse_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        self.pg_databases.append(name)
        return _pg_db_url(name)

    def drop_all(self) -> None:
        if not self.pg_databases:
            return
        with _pg_admin() as conn:
            for name in reversed(self.pg_databases):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    b = Backends(tmp_path_factory.mktemp("databases"))
    yield b
    b.drop_all()


#: Modules whose tests start real processes (servers, schedulers, the command line) or explore at length:
#: with the browser tests, the API fuzzing and every PostgreSQL run they are ``slow`` — ``pytest -m "not
#: slow"`` is the few-minute loop for a developer, CI runs everything (issue 15).
SLOW_MODULES = frozenset({
    "tests/e2e/test_scheduler_process.py", "tests/e2e/test_payment_concurrency.py", "tests/e2e/test_two_instances.py",
    "tests/e2e/test_crash_safety.py", "tests/e2e/test_server.py", "tests/e2e/test_concurrent_limits.py",
    "tests/e2e/test_voucher_race.py", "tests/e2e/test_cli.py", "tests/integration/test_payment_properties.py",
    "tests/unit/test_workflow_files.py", "tests/unit/test_offline_verifier.py",
})
SLOW_FOLDERS = ("tests/browser/", "tests/fuzz/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix()
        if where in SLOW_MODULES or where.startswith(SLOW_FOLDERS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backends: Backends, backend: str) -> str:
    return backends.fresh(backend)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    from disburse.app import create_app

    application = create_app({"TESTING": True, "database_url": database_url,
                              "instance_path": tmp_path / "instance"})
    yield application
    application.extensions["disburse.db"].dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def flow(app: Any, client: Any) -> Any:
    """Seed 003's county users (commerce, leader, finance, supervisor, inspector, contractors A and B)."""
    from tests.flow import Flow

    f = Flow(app, client)
    f.county_users()
    return f


@pytest.fixture
def paying_flow(app: Any, client: Any) -> Any:
    """Seed 003's county users plus a second finance user, for tests that walk payments to the end."""
    from tests.flow import Flow
    from tests.server_process import FINANCE_2

    f = Flow(app, client)
    f.county_users()
    f.user(FINANCE_2, "finance")
    return f


@pytest.fixture(params=[pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])])
def postgres_only(request: pytest.FixtureRequest) -> str:
    """For ``backend``: several server processes share one database server, never one SQLite file."""
    return str(request.param)
