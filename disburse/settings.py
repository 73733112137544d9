"""Settings from ``DISBURSE_*`` environment variables (SPEC §11.2).

``DISBURSE_DATABASE_URL``   default: SQLite ``disburse.db`` in the instance folder
``DISBURSE_INSTANCE_PATH``  the instance folder (default: Flask's, ``<prefix>/var/disburse-instance``)
``DISBURSE_SECRET_KEY``     required outside the demo and the tests (empty or white space: not set)
``DISBURSE_SMTP_URL``       e-mail delivery (scheduler issue)
``DISBURSE_TOKEN_HOURS``    bearer token lifetime, default 8
``DISBURSE_MAX_BODY_BYTES`` request body limit, default 2 MiB
``DISBURSE_MAX_DOCUMENT_BYTES`` uploaded document limit, default 20 MiB
``DISBURSE_AUDIT_ORIGIN``   the audit log's name in its checkpoints, default ``disburse/local``
``DISBURSE_AUDIT_KEY_FILE`` the checkpoint signing key, default ``audit-signing.key`` in the instance folder
``DISBURSE_AUDIT_PUBLIC_KEYS`` a file of earlier verifier keys still to publish (key rotation), optional
``DISBURSE_OCID_PREFIX``    the OCDS ocid prefix, default ``ocds-disburse`` (a real publisher registers its own with the
                            Open Contracting Partnership: ``ocds-`` and six characters; docs/ocds.md)
``DISBURSE_OCDS_PUBLISHER`` the OCDS packages' publisher name, default ``disburse``
``DISBURSE_REDIS_URL``      login throttling shared through Redis (``redis://host:6379/0``); default: the database
``DISBURSE_PROXY_HOPS``     trusted reverse proxies in front of the server (``X-Forwarded-*``), default 0
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
    audit_origin: str = "disburse/local"
    audit_key_file: Path | None = None
    audit_public_keys: Path | None = None
    ocid_prefix: str = "ocds-disburse"
    ocds_publisher: str = "disburse"
    redis_url: str | None = None
    proxy_hops: int = 0

    @property
    def signing_key_path(self) -> Path:
        """Where the checkpoint signing key lives: outside the database, readable by the server only."""
        return self.audit_key_file or self.instance_path / "audit-signing.key"

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
            secret_key=_present(env.get("DISBURSE_SECRET_KEY")),
            smtp_url=env.get("DISBURSE_SMTP_URL") or None,
            token_hours=int(env.get("DISBURSE_TOKEN_HOURS", "8")),
            max_body_bytes=int(env.get("DISBURSE_MAX_BODY_BYTES", str(2 * 1024 * 1024))),
            max_document_bytes=int(env.get("DISBURSE_MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024))),
            demo=env.get("DISBURSE_DEMO") == "1",
            audit_origin=env.get("DISBURSE_AUDIT_ORIGIN") or "disburse/local",
            audit_key_file=Path(env["DISBURSE_AUDIT_KEY_FILE"]) if env.get("DISBURSE_AUDIT_KEY_FILE") else None,
            audit_public_keys=(Path(env["DISBURSE_AUDIT_PUBLIC_KEYS"]) if env.get("DISBURSE_AUDIT_PUBLIC_KEYS")
                               else None),
            ocid_prefix=env.get("DISBURSE_OCID_PREFIX") or "ocds-disburse",
            ocds_publisher=env.get("DISBURSE_OCDS_PUBLISHER") or "disburse",
            redis_url=env.get("DISBURSE_REDIS_URL") or None,
            proxy_hops=int(env.get("DISBURSE_PROXY_HOPS") or "0"),
        )


def _present(value: str | None) -> str | None:
    """A setting's value; ``None`` when it is unset, empty or only white space (a blank secret is no secret)."""
    return value if value and value.strip() else None


def default_instance_path() -> Path:
    """Flask's default for an installed package: ``<sys.prefix>/var/disburse-instance``."""
    import sys

    return Path(sys.prefix) / "var" / "disburse-instance"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"
