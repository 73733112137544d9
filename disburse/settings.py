"""Settings from ``DISBURSE_*`` environment variables (SPEC §11.2).

``DISBURSE_DATABASE_URL``   default: SQLite ``disburse.db`` in the instance folder
``DISBURSE_INSTANCE_PATH``  the instance folder (default: Flask's, ``<prefix>/var/disburse-instance``)
``DISBURSE_SECRET_KEY``     required outside the demo and the tests
``DISBURSE_SMTP_URL``       e-mail delivery (scheduler issue)
``DISBURSE_TOKEN_HOURS``    bearer token lifetime, default 8
``DISBURSE_MAX_BODY_BYTES`` request body limit, default 2 MiB
``DISBURSE_MAX_DOCUMENT_BYTES`` uploaded document limit, default 20 MiB
"""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Settings:
    instance_path: Path
    database_url: str | None = None
    secret_key: str | None = None
    smtp_url: str | None = None
    token_hours: int = 8
    max_body_bytes: int = 2 * 1024 * 1024
    max_document_bytes: int = 20 * 1024 * 1024
    demo: bool = False

    @property
    def db_url(self) -> str:
        """The database to use: the configured one, else SQLite in the instance folder."""
        return self.database_url or sqlite_url(self.instance_path / "disburse.db")

    @classmethod
    def from_env(cls, instance_path: Path | None = None, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        path = Path(env.get("DISBURSE_INSTANCE_PATH") or instance_path or default_instance_path())
        return cls(
            instance_path=path,
            database_url=env.get("DISBURSE_DATABASE_URL") or None,
            secret_key=env.get("DISBURSE_SECRET_KEY") or None,
            smtp_url=env.get("DISBURSE_SMTP_URL") or None,
            token_hours=int(env.get("DISBURSE_TOKEN_HOURS", "8")),
            max_body_bytes=int(env.get("DISBURSE_MAX_BODY_BYTES", str(2 * 1024 * 1024))),
            max_document_bytes=int(env.get("DISBURSE_MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024))),
            demo=env.get("DISBURSE_DEMO") == "1",
        )


def default_instance_path() -> Path:
    """Flask's default for an installed package: ``<sys.prefix>/var/disburse-instance``."""
    import sys

    return Path(sys.prefix) / "var" / "disburse-instance"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"
