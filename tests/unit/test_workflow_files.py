"""A workflow file and its code are checked against each other when the app starts (issue 15).

Renaming a trigger, naming an effect or guard that has no function, or leaving a registered function
unused, stops ``create_app`` with a message naming the file and the transition — before, a renamed
trigger silently skipped the effect its code hung on the old name.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from disburse.paths import WORKFLOWS_DIR

START = ("from disburse.app import create_app; "
         "create_app({'TESTING': True, 'database_url': 'sqlite:///' + __import__('sys').argv[1] + '/x.db', "
         "'instance_path': __import__('sys').argv[1] + '/instance'})")


def start_with(tmp_path: Path, file: str, old: str, new: str) -> subprocess.CompletedProcess[str]:
    """Start the app on a copy of the workflows with ``old`` replaced by ``new`` in ``file``."""
    copy = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_DIR, copy)
    text = (copy / file).read_text(encoding="utf-8")
    assert old in text
    (copy / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return subprocess.run([sys.executable, "-c", START, str(tmp_path)], capture_output=True, text=True,
                          env={**os.environ, "DISBURSE_WORKFLOWS_DIR": str(copy)}, timeout=120)


@pytest.mark.parametrize(("file", "old", "new", "named"), [
    ("payment.yaml", "trigger: approve", "trigger: aprove", "workflows/payment.yaml: the trigger 'aprove'"),
    ("acceptance.yaml", "trigger: publish", "trigger: publicize", "the trigger 'publicize'"),
    ("project.yaml", "effects: [open_tender_round]", "effects: [open_tender_rond]",
     "transition 'open_tender' names the effect 'open_tender_rond'"),
    ("payment.yaml", "checks: [relies_on_its_acceptance, documents_of_the_project]", "checks: []",
     "guard(s) documents_of_the_project, relies_on_its_acceptance have a function but no transition"),
    ("acceptance.yaml", "effects: [reopen]", "effects: []", "effect(s) reopen have a function but no transition"),
])
def test_a_workflow_file_that_does_not_match_its_code_stops_the_app_naming_it(
        tmp_path: Path, file: str, old: str, new: str, named: str) -> None:
    started = start_with(tmp_path, file, old, new)
    assert started.returncode != 0
    assert "WorkflowError" in started.stderr and named in started.stderr, started.stderr[-2000:]


def test_the_files_as_shipped_start(tmp_path: Path) -> None:
    started = start_with(tmp_path, "payment.yaml", "name: payment", "name: payment")
    assert started.returncode == 0, started.stderr[-2000:]
