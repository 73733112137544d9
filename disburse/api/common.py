"""What every blueprint needs: the database, the clock, the documents folder."""

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app, g

from disburse.adapters.db import Database


def db() -> Database:
    database: Database = current_app.extensions["disburse.db"]
    return database


def now() -> datetime:
    """The one clock's time (replaceable in tests)."""
    return current_app.extensions["disburse.clock"].now()  # type: ignore[no-any-return]


def documents_root() -> Path:
    root: Path = current_app.extensions["disburse.documents"]
    return root


def localised(explanation: dict[str, Any]) -> dict[str, Any]:
    """An event explanation with its unmet items in the request's language."""
    return {**explanation, "unmet": [u.as_dict(g.origin.lang) for u in explanation["unmet"]]}
