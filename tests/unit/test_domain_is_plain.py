"""The domain is plain Python (issue 15, STYLE.md "the shape we want"): importing it loads neither Flask nor
SQLAlchemy nor any service, and ``import disburse`` itself imports nothing."""

import subprocess
import sys

FRAMEWORKS = ("flask", "werkzeug", "sqlalchemy", "marshmallow", "flask_smorest", "psycopg")

PROBE = """
import importlib, pkgutil, sys
import disburse.domain as domain
for module in pkgutil.iter_modules(domain.__path__):
    importlib.import_module(f"disburse.domain.{module.name}")
print("\\n".join(sorted(sys.modules)))
"""


def _loaded(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_importing_every_domain_module_loads_no_framework_and_no_service() -> None:
    loaded = _loaded(PROBE)
    assert "disburse.domain.money" in loaded
    assert not {m for m in loaded if m.split(".")[0] in FRAMEWORKS}
    assert not {m for m in loaded if m.startswith("disburse.") and not m.startswith("disburse.domain")}


def test_importing_disburse_imports_nothing() -> None:
    loaded = _loaded("import sys, disburse; print('\\n'.join(sorted(sys.modules)))")
    assert {m for m in loaded if m.startswith("disburse")} == {"disburse"}


def test_the_pages_do_not_import_the_api() -> None:
    """The web UI calls the services and formats at its edge; the API's schemas are the API's (issue 15)."""
    loaded = _loaded("import sys, pkgutil, importlib, disburse.web as web\n"
                     "for m in pkgutil.iter_modules(web.__path__): importlib.import_module(f'disburse.web.{m.name}')\n"
                     "print('\\n'.join(sorted(sys.modules)))")
    assert "disburse.web.money" in loaded
    assert not {m for m in loaded if m.startswith("disburse.api")}
