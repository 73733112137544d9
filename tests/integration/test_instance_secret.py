"""The demo's session secret is made once, whole, whoever asks first; an empty secret is refused loudly
(issue "close the holes", item 9: two gunicorn workers starting at once could read an empty file and then
answer 500 to every login)."""

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from disburse.adapters.instance_secret import instance_secret
from disburse.app import create_app
from disburse.settings import Settings

THREADS = 16
ROUNDS = 25
PROCESSES = 6

_WORKER = """
import sys, time
from pathlib import Path
from disburse.adapters.instance_secret import instance_secret
start = float(sys.argv[2])
while time.time() < start:
    pass
print(instance_secret(Path(sys.argv[1])))
"""


def ask_at_once(path: Path, threads: int) -> tuple[list[str], list[BaseException]]:
    """``threads`` threads released together, each asking for the secret in ``path``."""
    barrier = threading.Barrier(threads)
    got: list[str] = []
    failures: list[BaseException] = []

    def ask() -> None:
        barrier.wait()
        try:
            got.append(instance_secret(path))
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            failures.append(exc)

    started = [threading.Thread(target=ask) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return got, failures


def test_threads_asking_at_once_on_a_fresh_folder_all_get_one_whole_secret(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        path = tmp_path / f"instance-{round_}" / "secret_key"
        got, failures = ask_at_once(path, THREADS)
        assert not failures, f"round {round_}: {failures[0]!r}"
        assert len(got) == THREADS and len(set(got)) == 1, f"round {round_}: {len(set(got))} different secrets"
        assert len(got[0]) == 64 and int(got[0], 16) >= 0
        assert path.read_text(encoding="utf-8").strip() == got[0]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_processes_starting_at_once_on_a_fresh_folder_all_get_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "secret_key"
    start = time.time() + 3  # every interpreter is up and spinning by then
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(path), str(start)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(PROCESSES)]
    results = [worker.communicate(timeout=60) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), [err for _, err in results]
    secrets = {out.strip() for out, _ in results}
    assert len(secrets) == 1 and len(secrets.pop()) == 64


def test_the_secret_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "secret_key"
    assert instance_secret(path) == instance_secret(path)


@pytest.mark.parametrize("content", ["", "  \n\t\n"])
def test_an_empty_secret_file_is_refused_loudly(tmp_path: Path, content: str) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text(content, encoding="utf-8")
    with pytest.raises(RuntimeError, match="secret file .*secret_key is empty"):
        instance_secret(instance / "secret_key")
    with pytest.raises(RuntimeError, match="is empty"):
        create_app({"TESTING": True, "database_url": f"sqlite:///{tmp_path / 'x.db'}", "instance_path": instance})


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_secret_key_setting_counts_as_missing(tmp_path: Path, blank: str) -> None:
    assert Settings.from_env(env={"DISBURSE_SECRET_KEY": blank, "DISBURSE_INSTANCE_PATH": str(tmp_path)}).secret_key \
        is None
    with pytest.raises(RuntimeError, match="DISBURSE_SECRET_KEY is required"):
        create_app({"secret_key": blank, "database_url": f"sqlite:///{tmp_path / 'x.db'}",
                    "instance_path": tmp_path / "instance"})
    assert not os.path.exists(tmp_path / "instance" / "secret_key")  # outside the demo no file is made either
