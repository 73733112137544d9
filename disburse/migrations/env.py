"""Alembic environment: run by ``disburse db upgrade`` with the app's engine settings."""

from alembic import context

from disburse.adapters.db import make_engine
from disburse.adapters.orm import Base

config = context.config
target_metadata = Base.metadata

#: Tables the app owns but Alembic does not: APScheduler's job store creates its own (SPEC §10).
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave tables that other libraries manage out of autogenerate's comparison."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations_online() -> None:
    url = str(config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url"))
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by rebuilding it (batch mode), which a table referring to it would
            # refuse: keys are off while migrating and checked after, as SQLite's manual prescribes
            # (https://www.sqlite.org/lang_altertable.html#otheralter). The pragma holds outside a transaction,
            # so it goes to the driver's connection before the first BEGIN.
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows referring to nothing: {broken[:5]}")
    engine.dispose()


run_migrations_online()
