"""Where the declarative data lives: ``workflows/`` and ``config/``.

In a source checkout they sit beside the package; a wheel carries them inside the
package as ``disburse/_bundled/`` (see ``pyproject.toml``), so a non-editable
``pip install .`` works from any directory (SPEC §3).
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = PACKAGE_DIR / "_bundled"
_ROOT = _BUNDLED if _BUNDLED.is_dir() else PACKAGE_DIR.parent

#: ``DISBURSE_WORKFLOWS_DIR`` points elsewhere (a test of a changed copy); the app checks them at start.
WORKFLOWS_DIR = Path(os.environ.get("DISBURSE_WORKFLOWS_DIR") or _ROOT / "workflows")
CONFIG_DIR = _ROOT / "config"
RULES_DIR = CONFIG_DIR / "rules"
DATA_DIR = PACKAGE_DIR / "data"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
EXAMPLES_DIR = _ROOT / "examples"
