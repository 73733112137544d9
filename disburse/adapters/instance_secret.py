"""The demo's session secret: random, in a file of the instance folder, made once and atomically.

Outside the demo and the tests the secret is ``DISBURSE_SECRET_KEY`` (docs/deployment.md). The demo
keeps one in ``<instance>/secret_key`` so sessions survive a restart — and on its first start every
gunicorn worker builds the app at the same moment, each finding no file. Written in place, a worker
could read the file another had created but not yet filled, sign sessions with an empty key, and
answer 500 to every login; or two workers could each write their own secret, and a session signed by
one would be refused by the other.
"""

import os
import secrets
from pathlib import Path


def instance_secret(path: Path) -> str:
    """The secret in ``path``; made first if the file is missing (mode 0600). Never empty.

    The file appears whole or not at all: the secret is written to a new temporary file in the same
    folder (``O_EXCL``), flushed to disk, then hard-linked to ``path``. A link never replaces an
    existing file, so the first worker's link wins and every other worker, its link refused, reads
    the winner's complete file; all get one secret. (``os.replace`` would instead let the last
    writer win after earlier workers had already read the first secret.)
    """
    if not path.exists():
        _create(path)
    return read_secret(path)


def read_secret(path: Path) -> str:
    """The secret in ``path``; ``RuntimeError`` if the file holds nothing but white space."""
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise RuntimeError(f"the session secret file {path} is empty: delete it (a new secret is made at the "
                           "next start, and every browser session ends) or set DISBURSE_SECRET_KEY")
    return secret


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fp:
            fp.write(secrets.token_hex(32) + "\n")
            fp.flush()
            os.fsync(fp.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return  # another process made it first: its secret is the one
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name survives a crash too
        finally:
            os.close(directory)
    finally:
        temporary.unlink(missing_ok=True)
