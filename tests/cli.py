"""Running the installed ``disburse`` console script, as a user would."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "disburse"


def run_cli(args: list[str], database_url: str | None = None, *, cwd: Path | None = None,
            env: dict[str, str] | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    if database_url:
        full_env["DISBURSE_DATABASE_URL"] = database_url
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd,
                          env=full_env, timeout=timeout, check=False)
