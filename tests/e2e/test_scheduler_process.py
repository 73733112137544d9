"""The scheduler as real processes (SPEC §10, §11.2): ``scheduler tick``, ``scheduler run``, ``serve``.

Seed 003's project is set up through the Flask test client (:class:`tests.flow.Flow`) on the
test's own database; the commands then run as the installed console script against it. The
running scheduler uses the real time, at which seed 003's fund lines (due by the end of 2024)
are long overdue, so its first tick has escalations to send — and a second leader must send
none of them again.
"""

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, inspect, select, text

from bench.datagen import Scale, generate
from disburse.adapters.db import Database
from disburse.adapters.orm import Notification, Reminder
from disburse.domain.notice import local_date
from disburse.scheduler.election import libpq_url
from disburse.scheduler.runner import STOP_GRACE_SECONDS
from disburse.services.scheduling import JOBS
from tests.cli import SCRIPT, run_cli
from tests.e2e.test_server import free_port, start, stop
from tests.flow import COMMERCE, FINANCE, SUPERVISOR, Flow
from tests.smtp_server import Mailbox, smtp_server

#: The services' sweeps and the scheduler's own jobs (mail delivery only when SMTP is set).
ALL_JOBS = set(JOBS) | {"checkpoint_audit"}

#: Longest wait for a process to reach a state; failover itself takes about one poll (1 s here).
WAIT_SECONDS = 60.0


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of every process of one test: its database, one instance folder, a fast poll."""
    return {**os.environ, "DISBURSE_DATABASE_URL": database_url, "DISBURSE_SECRET_KEY": "test-secret",
            "DISBURSE_INSTANCE_PATH": str(tmp_path / "instance"), "DISBURSE_SCHEDULER_POLL_SECONDS": "1"}


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    assert result.returncode == 0, result.stdout + result.stderr
    done = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(done, dict)
    return done


def reminder_keys(db: Database) -> list[str]:
    with db.reading() as tx:
        return list(tx.session.scalars(select(Reminder.key).order_by(Reminder.key)))


def duplicate_keys(db: Database) -> list[Any]:
    with db.reading() as tx:
        return list(tx.session.execute(text("SELECT key, count(*) FROM reminders GROUP BY key HAVING count(*) > 1")))


# --- scheduler tick ---------------------------------------------------------------------------


def test_tick_runs_every_job_once_and_prints_what_each_did(database_url: str, tmp_path: Path) -> None:
    result = run_cli(["scheduler", "tick", "--now", "2024-10-25T09:00:00"], database_url, cwd=tmp_path,
                     env={"DISBURSE_INSTANCE_PATH": str(tmp_path / "instance")})
    done = summary(result)
    assert set(done) == ALL_JOBS
    assert all(count == 0 for count in done.values()), done


def test_tick_fires_each_due_reminder_once_however_often_it_runs(flow: Flow, db: Database, database_url: str,
                                                                   tmp_path: Path) -> None:
    project = flow.tendered_project()
    args = ["scheduler", "tick", "--now", "2024-12-30T10:00"]  # Shanghai time: the fund lines are due tomorrow
    env = {"DISBURSE_INSTANCE_PATH": str(tmp_path / "instance")}

    first = summary(run_cli(args, database_url, cwd=tmp_path, env=env))
    keys = reminder_keys(db)
    again = summary(run_cli(args, database_url, cwd=tmp_path, env=env))

    assert first["remind_deadlines"] > 0 and sum(first[job] for job in JOBS) == len(keys)
    assert f"deadline:line:{project['lines'][0]['id']}:2024-12-31:1d" in keys
    assert all(count == 0 for count in again.values()), again
    assert reminder_keys(db) == keys
    with db.reading() as tx:
        fired = set(tx.session.scalars(select(Reminder.fired_at)))
        inbox = tx.session.scalar(select(func.count()).select_from(Notification)
                                  .where(Notification.user_id == flow.user_ids[COMMERCE]))
    assert fired == {datetime(2024, 12, 30, 2, 0, tzinfo=UTC)}  # 10:00 without an offset is Beijing time
    # the funds that arrived on 1 September lie idle: finance and the supervisors are told, not commerce
    assert inbox == len([key for key in keys if not key.startswith("idle_funds:")]) < len(keys)


def give_email(db: Database, username: str, address: str) -> None:
    with db.writing() as tx:
        tx.session.execute(text("UPDATE users SET email = :address WHERE username = :name"),
                           {"address": address, "name": username})
        tx.commit()


def smtp_url(port: int) -> str:
    return f"smtp://127.0.0.1:{port}?from=noreply@disburse.example.cn&timeout=5"


def test_tick_with_smtp_configured_mails_what_it_fires(flow: Flow, db: Database, database_url: str,
                                                       tmp_path: Path) -> None:
    flow.tendered_project()
    give_email(db, COMMERCE, "commerce@xiapu.example.cn")
    give_email(db, FINANCE, "finance@xiapu.example.cn")  # the idle funds reminder (issue 16) goes to finance
    port = free_port()
    env = {"DISBURSE_INSTANCE_PATH": str(tmp_path / "instance"), "DISBURSE_SMTP_URL": smtp_url(port)}
    with smtp_server(port, Mailbox()) as mailbox:
        done = summary(run_cli(["scheduler", "tick", "--now", "2024-12-30T10:00"], database_url, cwd=tmp_path,
                               env=env))
    fired = sum(count for job, count in done.items() if job in JOBS)
    assert set(done) == ALL_JOBS | {"deliver_mail"}
    assert fired > 0 and done["deliver_mail"] == fired == len(mailbox.messages)
    assert set(mailbox.to()) == {"commerce@xiapu.example.cn", "finance@xiapu.example.cn"}


def test_a_malformed_smtp_url_is_refused_before_anything_runs(database_url: str, tmp_path: Path) -> None:
    env = {"DISBURSE_INSTANCE_PATH": str(tmp_path / "instance"), "DISBURSE_SMTP_URL": "http://mail.example.cn"}
    for args in (["scheduler", "tick"], ["scheduler", "run"]):
        result = run_cli(args, database_url, cwd=tmp_path, env=env, timeout=60)
        assert result.returncode == 2 and "DISBURSE_SMTP_URL" in result.stderr, result.stderr


def test_tick_refuses_a_time_that_is_not_iso_8601(tmp_path: Path) -> None:
    result = run_cli(["scheduler", "tick", "--now", "next tuesday"], cwd=tmp_path,
                     env={"DISBURSE_INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 2 and "ISO 8601" in result.stderr


# --- scheduler run ----------------------------------------------------------------------------


@dataclass
class Scheduler:
    """One ``disburse scheduler run`` process and its combined output."""

    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def states(self) -> list[str]:
        return [line.removeprefix("scheduler: ") for line in self.output().splitlines()
                if line.startswith("scheduler: ")]

    def catch_ups(self) -> list[dict[str, int]]:
        return [json.loads(state.removeprefix("caught up ")) for state in self.states()
                if state.startswith("caught up ")]


def start_scheduler(env: dict[str, str], log: Path) -> Scheduler:
    with log.open("wb") as out:
        proc = subprocess.Popen([str(SCRIPT), "scheduler", "run"], stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
    return Scheduler(proc, log)


def kill(scheduler: Scheduler) -> None:
    if scheduler.proc.poll() is None:
        os.killpg(scheduler.proc.pid, signal.SIGKILL)
    scheduler.proc.wait(timeout=30)


@pytest.fixture
def schedulers(env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[str], Scheduler]]:
    """Starts scheduler processes; every one is killed at the end, whatever happened."""
    started: list[Scheduler] = []

    def launch(name: str) -> Scheduler:
        started.append(start_scheduler(env, tmp_path / f"{name}.log"))
        return started[-1]

    try:
        yield launch
    finally:
        for scheduler in started:
            kill(scheduler)


def wait_until(condition: Callable[[], bool], what: str, *logs: Scheduler) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            outputs = "\n".join(f"--- {s.log.name} ---\n{s.output()}" for s in logs)
            pytest.fail(f"not within {WAIT_SECONDS}s: {what}\n{outputs}")
        time.sleep(0.2)


def stored_job_ids(db: Database) -> set[str]:
    """The ids in APScheduler's job store; none before the leader has created its table."""
    if not inspect(db.engine).has_table("apscheduler_jobs"):
        return set()
    with db.reading() as tx:
        return set(tx.session.scalars(text("SELECT id FROM apscheduler_jobs")))


def test_one_of_two_schedulers_leads_and_the_other_takes_over_when_it_is_killed(
        flow: Flow, db: Database, schedulers: Callable[[str], Scheduler]) -> None:
    project = flow.tendered_project()
    a, b = schedulers("a"), schedulers("b")
    wait_until(lambda: "leader" in a.states() + b.states() and "standby" in a.states() + b.states(),
               "one leader and one standby", a, b)
    leader, standby = (a, b) if "leader" in a.states() else (b, a)
    assert "leader" not in standby.states()
    wait_until(lambda: bool(leader.catch_ups()), "the leader's catch-up tick", leader)
    first = leader.catch_ups()[0]
    assert set(first) == ALL_JOBS
    assert first["remind_deadlines"] > 0, first  # seed 003's lines were due by the end of 2024
    wait_until(lambda: stored_job_ids(db) == ALL_JOBS, "the jobs stored under their ids", leader)
    keys = reminder_keys(db)
    overdue = [k for k in keys if k.startswith(f"deadline_overdue:line:{project['lines'][0]['id']}:")]
    assert len(overdue) == 1, keys
    with db.reading() as tx:
        escalated = tx.session.scalar(select(func.count()).select_from(Notification)
                                      .where(Notification.user_id == flow.user_ids[SUPERVISOR]))
    assert escalated and escalated >= len(overdue)
    day = local_date(datetime.now(UTC))

    kill(leader)
    wait_until(lambda: "leader" in standby.states(), "the standby takes over", standby, leader)
    wait_until(lambda: bool(standby.catch_ups()), "the new leader's catch-up tick", standby)

    assert duplicate_keys(db) == []
    assert set(keys) <= set(reminder_keys(db))
    if local_date(datetime.now(UTC)) == day:  # a new local day may make new reminders due; nothing else may
        assert reminder_keys(db) == keys
        assert all(count == 0 for count in standby.catch_ups()[0].values()), standby.catch_ups()
    assert stored_job_ids(db) == ALL_JOBS


def test_a_scheduler_stops_on_sigterm_and_lets_the_lock_go(env: dict[str, str], database_url: str, backend: str,
                                                          schedulers: Callable[[str], Scheduler]) -> None:
    first = schedulers("first")
    wait_until(lambda: "leader" in first.states(), "the first scheduler leads", first)
    first.proc.send_signal(signal.SIGTERM)
    assert first.proc.wait(timeout=30) == 0, first.output()
    assert first.states()[-1] == "stopped"
    if backend == "postgres":
        with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
            held = conn.execute("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                                "WHERE l.locktype = 'advisory' AND d.datname = current_database()").fetchone()
        assert held == (0,)
    second = schedulers("second")
    wait_until(lambda: "leader" in second.states(), "a new scheduler leads at once", second)
    assert "standby" not in second.states()


def test_a_leader_signalled_during_a_long_catch_up_stops_within_its_grace_period(
        env: dict[str, str], database_url: str, db: Database, tmp_path: Path,
        schedulers: Callable[[str], Scheduler]) -> None:
    """Issue 19: on a large database the catch-up fires thousands of reminders; SIGTERM ends it after the
    batch being written, and the next run fires what was left."""
    generate(database_url, Scale(projects=100, payments=8_000, audit_entries=20_000, label="busy"))
    busy = schedulers("busy")
    deadline = time.monotonic() + WAIT_SECONDS
    while "leader" not in busy.states():  # the catch-up tick begins right after
        assert time.monotonic() < deadline and busy.proc.poll() is None, busy.output()
        time.sleep(0.01)
    busy.proc.send_signal(signal.SIGTERM)
    assert busy.proc.wait(timeout=STOP_GRACE_SECONDS) == 0, busy.output()
    assert busy.states()[-1] == "stopped"
    assert busy.catch_ups() == [], busy.output()  # it stopped inside the catch-up, not after it
    left = summary(run_cli(["scheduler", "tick"], database_url, cwd=tmp_path,
                           env={"DISBURSE_INSTANCE_PATH": env["DISBURSE_INSTANCE_PATH"]}))
    assert left["remind_payments"] > 0
    assert duplicate_keys(db) == []


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_leader_that_loses_its_lock_stops_its_jobs_and_stands_by_until_it_wins_again(
        database_url: str, schedulers: Callable[[str], Scheduler]) -> None:
    scheduler = schedulers("only")
    wait_until(lambda: "leader" in scheduler.states(), "the scheduler leads", scheduler)
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:  # as if the network had failed
        ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = 'disburse-scheduler' AND datname = current_database()"
                              ).fetchall()
    assert ended == [(True,)]
    wait_until(lambda: [s for s in scheduler.states() if not s.startswith("caught up")] == ["leader", "standby",
                                                                                             "leader"],
               "lost, standing by, elected again", scheduler)
    assert "the scheduler lock was lost" in scheduler.output()
    wait_until(lambda: len(scheduler.catch_ups()) == 2, "a catch-up on each election", scheduler)


def test_a_failing_job_is_logged_and_the_scheduler_goes_on_leading(
        flow: Flow, db: Database, schedulers: Callable[[str], Scheduler]) -> None:
    project = flow.tendered_project()
    with db.writing() as tx:  # a rule set that is gone, nothing pinned: every sweep over this project fails
        tx.session.execute(text("UPDATE projects SET rule_set = 'withdrawn-2019', rule_sha256 = NULL WHERE id = :id"),
                           {"id": project["id"]})
        tx.commit()
    scheduler = schedulers("failing")
    wait_until(lambda: "scheduler: caught up" in scheduler.output(), "the catch-up tick done", scheduler)
    wait_until(lambda: stored_job_ids(db) == ALL_JOBS, "the jobs scheduled all the same", scheduler)
    output = scheduler.output()
    assert "Traceback (most recent call last)" in output and "withdrawn-2019" in output
    assert "scheduler job remind_reports failed" in output
    # each job failed on its own and the others still ran: -1 for those that read the rule set
    [caught_up] = scheduler.catch_ups()
    assert caught_up["remind_reports"] == -1 and caught_up["close_notices"] == 0
    assert scheduler.proc.poll() is None and [s for s in scheduler.states() if s in ("leader", "standby")] == ["leader"]
    scheduler.proc.send_signal(signal.SIGTERM)
    assert scheduler.proc.wait(timeout=30) == 0


def test_with_smtp_configured_the_leader_also_delivers_mail(
        flow: Flow, db: Database, env: dict[str, str], tmp_path: Path) -> None:
    flow.tendered_project()
    give_email(db, SUPERVISOR, "supervisor@ningde.example.cn")
    port = free_port()
    env["DISBURSE_SMTP_URL"] = smtp_url(port)
    with smtp_server(port, Mailbox()) as mailbox:
        scheduler = start_scheduler(env, tmp_path / "mailing.log")
        try:
            wait_until(lambda: bool(scheduler.catch_ups()), "the catch-up tick", scheduler)
            done = scheduler.catch_ups()[0]
            wait_until(lambda: stored_job_ids(db) == ALL_JOBS | {"deliver_mail"}, "mail delivery scheduled",
                       scheduler)
        finally:
            kill(scheduler)
    assert done["remind_deadlines"] > 0 and done["deliver_mail"] == len(mailbox.messages) > 0
    assert set(mailbox.to()) == {"supervisor@ningde.example.cn"}  # the overdue lines are escalated


# --- serve ------------------------------------------------------------------------------------


def scheduler_pid(log: Path) -> int | None:
    found = re.search(r"\[(\d+)\] disburse\.scheduler\.runner: ", log.read_text(errors="replace"))
    return int(found.group(1)) if found else None


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
        return stat.read().split(") ")[-1][:1] != "Z"


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_servers_run_one_scheduler_and_each_stops_its_own(env: dict[str, str], tmp_path: Path) -> None:
    port_a, port_b = free_port(), free_port()
    log_a, log_b = tmp_path / "serve-a.log", tmp_path / "serve-b.log"
    server_a = start(["serve", "--workers", "1"], env, port_a, log_a)
    server_b = None
    try:
        server_b = start(["serve", "--workers", "1"], env, port_b, log_b)
        logs = [log_a, log_b]

        def states(log: Path) -> list[str]:
            return [line for line in log.read_text(errors="replace").splitlines() if line.startswith("scheduler: ")]

        deadline = time.monotonic() + WAIT_SECONDS
        while not ({"scheduler: leader", "scheduler: standby"} <= set(states(log_a) + states(log_b))):
            assert time.monotonic() < deadline, [log.read_text(errors="replace") for log in logs]
            time.sleep(0.2)
        leading = log_a if "scheduler: leader" in states(log_a) else log_b
        other = log_b if leading is log_a else log_a
        leader_server = server_a if leading is log_a else server_b
        pid = scheduler_pid(leading)
        assert pid is not None and running(pid)

        os.kill(leader_server.pid, signal.SIGTERM)  # the gunicorn master alone, as a supervisor stops it
        assert leader_server.wait(timeout=60) == 0, leading.read_text(errors="replace")
        assert "scheduler: stopped" in states(leading)
        deadline = time.monotonic() + WAIT_SECONDS
        while running(pid):
            assert time.monotonic() < deadline, "the stopped server's scheduler is still running"
            time.sleep(0.2)
        while "scheduler: leader" not in states(other):
            assert time.monotonic() < deadline, other.read_text(errors="replace")
            time.sleep(0.2)
    finally:
        for server in (server_a, server_b):
            if server is not None and server.poll() is None:
                stop(server)


def test_serve_without_the_scheduler_starts_none(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    server = start(["serve", "--workers", "1", "--no-scheduler"], env, free_port(), log)
    try:
        time.sleep(2)  # ample time for a scheduler child to have said something (the poll is 1 s)
    finally:
        stop(server)
    assert "scheduler:" not in log.read_text(errors="replace")
